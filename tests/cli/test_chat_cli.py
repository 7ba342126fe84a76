"""`verbatim scan --chat`: a real chat model (SmolLM2-135M-Instruct, which ships a chat template) probed
through its template, the record in the JSON, PDF and summary, and `verbatim verify` replaying it."""

import json
import shutil
import subprocess
import sys

import pytest

from cli.main import main
from tests.helpers.texts import kjv_chapter


def run(*args):
    return subprocess.run([sys.executable, "-m", "cli.main", *args], capture_output=True, text=True, timeout=2400)


def test_title_without_chat_is_one_sentence_before_any_model_loads(tmp_path, capsys):
    story = tmp_path / "psalm.txt"
    story.write_text(kjv_chapter("Psalms", 23), encoding="utf-8")
    assert main(["scan", str(story), "--title", "Psalms"]) == 2
    assert capsys.readouterr().err.strip() == "verbatim: --title and --author are for chat probes; add --chat."
    assert main(["scan", str(story), "--chat", "--title", "Psalms"]) == 2
    assert "need both the title and the author" in capsys.readouterr().err
    assert main(["scan", str(tmp_path), "--chat"]) == 2  # a folder: a catalogue
    assert capsys.readouterr().err.strip() == ("verbatim: --chat probes one manuscript with one model; scan them "
                                               "one at a time.")


@pytest.mark.slow
def test_a_model_without_a_chat_template_is_refused_with_one_sentence(tmp_path):
    story = tmp_path / "psalm.txt"
    story.write_text(kjv_chapter("Psalms", 23), encoding="utf-8")
    proc = run("scan", str(story), "--chat", "--backend", "llama.cpp", "--no-bundled-controls", "--json",
               str(tmp_path / "r.json"))
    assert proc.returncode == 2
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("verbatim: The model gemma") and "has no chat template" in last
    assert not (tmp_path / "r.json").exists()


@pytest.mark.slow
def test_chat_probes_with_smollm2_on_a_kjv_chapter_are_recorded_reported_and_replayed(tmp_path):
    story = tmp_path / "psalm23.txt"
    text = kjv_chapter("Psalms", 23)
    story.write_text(text, encoding="utf-8")
    json_out, pdf_out = tmp_path / "r.json", tmp_path / "r.pdf"
    proc = run("scan", str(story), "--model", "smollm2", "--no-bundled-controls", "--chat", "--title",
               "The Book of Psalms, Psalm 23", "--author", "the King James Bible", "--json", str(json_out),
               "--pdf", str(pdf_out))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(json_out.read_text())
    chat = data["chat"]
    assert len(chat["template_sha256"]) == 64 and chat["template_source"] == "gguf:tokenizer.chat_template"
    assert chat["selection"] in ("confirmed passages", "evenly spaced places (the scan confirmed no passage)")
    assert (chat["selection"] == "confirmed passages") == bool(data["passages"])
    assert chat["complete"] and chat["chat_s"] > 0
    assert (chat["title"], chat["author"]) == ("The Book of Psalms, Psalm 23", "the King James Bible")
    kinds = [p["kind"] for p in chat["probes"]]
    assert kinds.count("title") == 1 and kinds.count("continuation") >= 1 and "chapter" not in kinds  # a .txt
    for p in chat["probes"]:
        assert p["generated"].strip(), p  # a real answer, ended at the model's end of turn or the horizon
        assert 0 < p["generated_tokens"] <= p["max_new_tokens"] + 2
        assert 0 <= p["verbatim_tokens"] <= p["near_verbatim_tokens"] <= data["manuscript"]["tokens"]
        assert 0 <= p["similarity"] <= 100
        assert 0 <= p["unprompted_tokens"] <= p["near_verbatim_tokens"]
        assert p["prompt_tokens"] > len(p["prompt"]) // 8  # the rendered conversation, template included
        if p["match_start_char"] is None:
            assert p["verbatim_tokens"] == 0 and p["matched"] == ""
        else:
            assert p["matched"] == text[p["match_start_char"] : p["match_end_char"]] and p["verbatim_tokens"] >= 4
    title = chat["probes"][kinds.index("title")]
    assert title["prompt"] == "Recite the opening of The Book of Psalms, Psalm 23 by the King James Bible, word for word."
    # Continuations ask with the author's own preceding text.
    for p in chat["probes"]:
        if p["kind"] == "continuation":
            preceding = p["prompt"].split("\n\n", 1)[1]
            assert preceding in text and text.index(preceding) < p["expected_char"]
    assert data["summary"]["verdict"] in ("memorized", "inconclusive", "no-evidence")
    assert "Chat probes" in proc.stdout and "do not change" in proc.stdout
    if shutil.which("pdftotext"):
        pdf_text = subprocess.run(["pdftotext", str(pdf_out), "-"], capture_output=True, text=True, timeout=60).stdout
        pdf_text = " ".join(pdf_text.split())  # table cells wrap lines
        assert "Chat probes" in pdf_text and "Recite the opening of The Book of Psalms" in pdf_text
    check = run("verify", str(pdf_out))
    assert check.returncode == 0, check.stdout + check.stderr
    lines = check.stdout.splitlines()
    assert any(line.startswith("OK") and "chat template" in line for line in lines)
    replayed = [line for line in lines if "chat probe" in line]
    assert len(replayed) == len(chat["probes"]) and all(line.startswith("OK") for line in replayed)
