"""The CLI under faults, with a real (tiny, random) model: full disk, unwritable folder, checkpoints."""

import errno
import json
import os

import pytest

from cli.main import main
from core import atomic

pytest.importorskip("torch")

FAST = ["--chunk", "128", "--device", "cpu", "--no-bundled-controls", "--quiet"]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from tests.helpers.tiny_model import build_tiny_model

    return str(build_tiny_model(tmp_path_factory.mktemp("tiny")))


@pytest.fixture
def manuscript(tmp_path):
    from tests.helpers.tiny_model import CORPUS

    path = tmp_path / "book.txt"
    path.write_text(" ".join(CORPUS * 6), encoding="utf-8")
    return path


def one_sentence(err: str) -> str:
    lines = [line for line in err.splitlines() if line.startswith("verbatim: ")]
    assert len(lines) == 1, err
    return lines[0]


def test_disk_full_while_writing_json_is_one_sentence_and_leaves_no_temp(tmp_path, tiny, manuscript, capsys, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    (out / "r.json").write_text("previous report")

    def full(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(atomic.os, "write", full)
    assert main(["scan", str(manuscript), "--model", tiny, "--json", str(out / "r.json"), *FAST]) == 2
    line = one_sentence(capsys.readouterr().err)
    assert "r.json" in line and "No space left on device" in line
    assert os.listdir(out) == ["r.json"] and (out / "r.json").read_text() == "previous report"


@pytest.fixture
def unwritable(tmp_path):
    """A folder this process cannot create files in (root ignores modes, but not sysfs's refusal)."""
    if os.name == "posix" and os.geteuid() == 0:
        if not os.path.isdir("/sys/kernel"):
            pytest.skip("root, and no sysfs to stand in for a read-only folder")
        yield "/sys/kernel"
        return
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    yield str(locked)
    locked.chmod(0o700)


def test_unwritable_folder_is_one_sentence_and_leaves_no_temp(tiny, manuscript, capsys, unwritable):
    before = sorted(os.listdir(unwritable))
    target = os.path.join(unwritable, "r.json")
    assert main(["scan", str(manuscript), "--model", tiny, "--json", target, *FAST]) == 2
    line = one_sentence(capsys.readouterr().err)
    assert line == f"verbatim: Could not write {target}: Permission denied; the previous file, if any, is unchanged."
    assert sorted(os.listdir(unwritable)) == before


def test_checkpoint_resumes_and_refuses_a_changed_manuscript(tmp_path, tiny, manuscript, capsys):
    ckpt = tmp_path / "scan.sqlite"
    args = ["scan", str(manuscript), "--model", tiny, "--checkpoint", str(ckpt), *FAST]
    assert main([*args, "--json", str(tmp_path / "a.json")]) == 0
    assert "Resuming" not in capsys.readouterr().err

    assert main([*args, "--json", str(tmp_path / "b.json")]) == 0
    err = capsys.readouterr().err
    assert "Resuming: " in err and " batches already done." in err
    a, b = (json.loads((tmp_path / f"{x}.json").read_text()) for x in "ab")
    for data in (a, b):
        for key in ("started_utc", "finished_utc", "timings"):
            data["provenance"].pop(key)
    assert a == b

    manuscript.write_text(manuscript.read_text() + " An added line.", encoding="utf-8")
    assert main(args) == 2
    line = one_sentence(capsys.readouterr().err)
    assert line == "verbatim: Cannot resume from scan.sqlite: the manuscript changed since the checkpoint."
