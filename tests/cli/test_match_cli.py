"""`verbatim match`: a model's output against a folder of manuscripts, as users run it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import main
from tests.helpers.manuscripts import back_list, pasted_passage
from tests.helpers.texts import control_texts, kjv_chapter

JUNK = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return back_list(tmp_path_factory.mktemp("backlist"))


def one_sentence(err: str, expected: str) -> None:
    err = err.strip()
    assert err.startswith("verbatim: ") and len(err.splitlines()) == 1, err
    assert err.endswith(".") and expected in err, err


def test_match_prints_each_span_and_writes_json(tmp_path: Path, folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pasted = pasted_passage(kjv_chapter("John", 1), 40, 80, (9, 31, 58))
    output = tmp_path / "chatbot.txt"
    output.write_text(pasted.text, encoding="utf-8")
    assert main(["match", str(output), "--against", str(folder), "--json", str(tmp_path / "m.json")]) == 0
    out = capsys.readouterr().out
    assert "5 searched" in out and "Spans       : 1 in 1 manuscript" in out
    span_line = next(line for line in out.splitlines() if line.startswith("  1. "))
    assert "john.epub" in span_line and "80 words" in span_line and "similarity 96.2" in span_line
    data = json.loads((tmp_path / "m.json").read_text())
    assert data["schema"] == "verbatim.match/1" and data["output"]["source"] == str(output)
    assert data["spans"][0]["words"] == 80


def test_against_can_repeat_and_stdin_is_read(folder: Path) -> None:
    pasted = pasted_passage(kjv_chapter("Genesis", 1), 100, 60, ())
    proc = subprocess.run(
        [sys.executable, "-m", "cli.main", "match", "-", "--against", str(folder / "genesis.docx"),
         "--against", str(folder / "hamlet.txt")],
        input=pasted.text, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Output      : - (" in proc.stdout and "2 searched" in proc.stdout
    assert "genesis.docx" in proc.stdout and "similarity 100.0" in proc.stdout


def test_an_output_that_shares_nothing_reports_no_spans(tmp_path: Path, folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "answer.txt"
    output.write_text(next(iter(control_texts().values())), encoding="utf-8")
    assert main(["match", str(output), "--against", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "Spans       : 0 in 0 manuscripts" in out and "  1. " not in out


def test_a_junk_file_inside_the_folder_is_skipped_with_a_note(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shelf = tmp_path / "shelf"
    shelf.mkdir()
    (shelf / "john.txt").write_text(kjv_chapter("John", 1), encoding="utf-8")
    (shelf / "broken.epub").write_bytes(JUNK)
    output = tmp_path / "o.txt"
    output.write_text(pasted_passage(kjv_chapter("John", 1), 0, 40, ()).text, encoding="utf-8")
    assert main(["match", str(output), "--against", str(shelf)]) == 0
    captured = capsys.readouterr()
    assert "1 searched, 1 skipped" in captured.out and "john.txt" in captured.out
    assert "skipped" in captured.err and "broken.epub" in captured.err


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("missing output", "not a readable file"),
        ("junk output", "junk.bin"),
        ("empty output", "contains no text"),
        ("missing manuscript", "does not exist"),
        ("empty folder", "contains no manuscripts"),
        ("junk manuscript", "junk.docx"),
        ("missing json folder", "does not exist"),
        ("bad similarity", "between 0 and 100"),
    ],
)
def test_bad_input_is_one_sentence_and_exit_2(
    tmp_path: Path, folder: Path, capsys: pytest.CaptureFixture[str], case: str, expected: str
) -> None:
    good = tmp_path / "good.txt"
    good.write_text(kjv_chapter("John", 1), encoding="utf-8")
    (tmp_path / "junk.bin").write_bytes(JUNK)
    (tmp_path / "junk.docx").write_bytes(JUNK)
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "nothing").mkdir()
    output, against, extra = str(good), str(folder), []
    if case == "missing output":
        output = str(tmp_path / "absent.txt")
    elif case == "junk output":
        output = str(tmp_path / "junk.bin")
    elif case == "empty output":
        output = str(tmp_path / "empty.txt")
    elif case == "missing manuscript":
        against = str(tmp_path / "absent.docx")
    elif case == "empty folder":
        against = str(tmp_path / "nothing")
    elif case == "junk manuscript":
        against = str(tmp_path / "junk.docx")
    elif case == "missing json folder":
        extra = ["--json", str(tmp_path / "no" / "m.json")]
    elif case == "bad similarity":
        extra = ["--min-similarity", "150"]
    assert main(["match", output, "--against", against, *extra]) == 2
    captured = capsys.readouterr()
    one_sentence(captured.err, expected)
    assert captured.out == ""


def test_empty_stdin_is_one_sentence(folder: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "cli.main", "match", "-", "--against", str(folder)],
        input="   \n", capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 2
    one_sentence(proc.stderr, "empty")


def test_index_cache_is_reused_on_the_second_run(tmp_path: Path, folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "o.txt"
    output.write_text(pasted_passage(kjv_chapter("John", 1), 40, 80, ()).text, encoding="utf-8")
    args = ["match", str(output), "--against", str(folder), "--index-cache", str(tmp_path / "idx.npz")]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert main(args) == 0
    second = capsys.readouterr().out
    assert "(index reused" not in first and "(index reused from the cache)" in second
    assert first.splitlines()[2:] == second.splitlines()[2:]
