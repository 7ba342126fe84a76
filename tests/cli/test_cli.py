"""The `verbatim` command as users run it: exit codes, one-sentence errors, outputs on disk."""

import dataclasses
import json
import subprocess
import sys

import pytest

from cli.main import main

SAMPLE = "assets/samples/genesis-1-3-kjv.txt"


def run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args], capture_output=True, text=True, timeout=900, cwd=cwd
    )


def test_extract_prints_exactly_the_scanned_text(capsys):
    assert main(["extract", SAMPLE]) == 0
    out = capsys.readouterr().out
    assert out.startswith("THE FIRST BOOK OF MOSES")
    assert "In the beginning God created the heaven and the earth." in out


def test_extract_json_has_the_normalization_record(capsys):
    assert main(["extract", SAMPLE, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["text"].startswith("THE FIRST BOOK")
    assert len(data["sha256"]) == 64 and "normalizations" in data


@pytest.mark.parametrize(
    ("content", "expected"),
    [(None, "not a readable file"), (b"", "contains no text"), (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "")],
)
def test_bad_manuscript_is_one_sentence_and_exit_2(tmp_path, capsys, content, expected):
    path = tmp_path / "book.txt"
    if content is not None:
        path.write_bytes(content)
    assert main(["scan", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("verbatim: ") and len(err.splitlines()) == 1
    assert expected in err


def test_missing_output_folder_is_refused_before_the_model_loads(tmp_path, capsys):
    assert main(["scan", SAMPLE, "--json", str(tmp_path / "nope" / "r.json")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_server_concurrency_below_one_is_refused_before_the_model_loads(capsys):
    assert main(["scan", SAMPLE, "--model", "http://127.0.0.1:9", "--server-concurrency", "0"]) == 2
    assert capsys.readouterr().err == "verbatim: server_concurrency must be at least 1.\n"


def test_unknown_model_is_one_sentence(capsys):
    assert main(["scan", SAMPLE, "--model", "/no/such/model.gguf"]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and "verbatim models" in err


def test_models_lists_the_embedded_models(capsys):
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert "gemma-3-270m" in out and "smollm2" in out.lower()


@pytest.mark.slow
def test_scan_writes_json_and_pdf_with_a_real_model(tmp_path):
    story = tmp_path / "psalm.txt"
    from tests.helpers.texts import kjv_chapter

    story.write_text(kjv_chapter("Psalms", 23), encoding="utf-8")
    proc = run("scan", str(story), "--model", "smollm2", "--json", str(tmp_path / "r.json"), "--pdf",
               str(tmp_path / "r.pdf"), "--no-bundled-controls")
    assert proc.returncode == 0, proc.stderr
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["schema"] == "verbatim.scan/2"
    assert data["summary"]["verdict"] in ("memorized", "inconclusive", "no-evidence")
    assert data["provenance"]["timings"]["model_load_s"] > 0 and data["provenance"]["timings"]["scan_s"] > 0
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
    assert "Verdict" in proc.stdout


def test_folder_against_two_models_writes_a_matrix_and_resumes(tmp_path, capsys):
    from tests.helpers.tiny_model import build_tiny_model

    works = tmp_path / "works"
    works.mkdir()
    (works / "one.txt").write_text("The committee met to review the figures for the depots. " * 6, encoding="utf-8")
    (works / "two.md").write_text("Marguerite sorted the buttons by colour and by holes. " * 6, encoding="utf-8")
    a = build_tiny_model(tmp_path / "tiny-a", seed=1)
    b = build_tiny_model(tmp_path / "tiny-b", seed=2)
    out = tmp_path / "results"
    argv = ["scan", str(works), "--model", str(a), "--model", str(b), "--out-dir", str(out),
            "--no-bundled-controls", "--quiet"]
    assert main(argv) == 0
    printed = capsys.readouterr()
    matrix = (out / "matrix.txt").read_text()
    assert "tiny-a" in matrix and "tiny-b" in matrix and "one.txt" in matrix and "two.md" in matrix
    assert len(list(out.glob("*.json"))) == 4
    assert "4 results" in printed.out
    assert main(argv[:-1]) == 0  # again, not quiet: every pair is reused
    assert capsys.readouterr().err.count("reusing") == 4


def test_catalogue_refuses_single_file_outputs(tmp_path, capsys):
    assert main(["scan", "assets/samples", "--json", str(tmp_path / "x.json")]) == 2
    assert "--out-dir" in capsys.readouterr().err


def test_unknown_reference_model_is_one_sentence_before_any_model_loads(tmp_path, capsys):
    assert main(["scan", SAMPLE, "--reference", "/no/such/reference.gguf"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("verbatim: --reference: ") and len(err.splitlines()) == 1
    assert "/no/such/reference.gguf does not exist" in err
    # The several-models path checks it too, before loading any of the models.
    argv = ["scan", SAMPLE, "--model", "/no/such/a.gguf", "--model", "/no/such/b.gguf",
            "--reference", "no-model-by-this-name", "--out-dir", str(tmp_path / "out")]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("verbatim: --reference: No model named 'no-model-by-this-name'")
    assert len(err.splitlines()) == 1


@pytest.fixture
def two_tiny_models(tmp_path):
    """Two different random tiny models saved to disk: tiny-a and tiny-b."""
    from tests.helpers.tiny_model import build_tiny_model

    return build_tiny_model(tmp_path / "tiny-a", seed=1), build_tiny_model(tmp_path / "tiny-b", seed=2)


def test_reference_model_is_recorded_in_the_json_and_the_summary(tmp_path, capsys, two_tiny_models):
    work = tmp_path / "work.txt"
    work.write_text("The committee met to review the figures for the depots. " * 8, encoding="utf-8")
    a, b = two_tiny_models
    out = tmp_path / "r.json"
    assert main(["scan", str(work), "--model", str(a), "--reference", str(b), "--json", str(out),
                 "--no-bundled-controls", "--quiet"]) == 0
    data = json.loads(out.read_text())
    record = data["provenance"]["reference_model"]
    assert record["name"] == "tiny-b" and record["path"] == str(b)
    assert len(record["sha256"]) == 64 and record["files"]
    assert record["passages"] == len(data["passages"]) == record["passages_checked"]
    stdout = capsys.readouterr().out
    assert f"Reference model      : tiny-b set aside {record['passages_set_aside']} passage" in stdout
    # The scanned model cannot be its own reference.
    assert main(["scan", str(work), "--model", str(a), "--reference", str(a), "--no-bundled-controls",
                 "--quiet"]) == 2
    assert "the reference model is the model being scanned" in capsys.readouterr().err.lower()


@pytest.mark.slow
def test_reference_sets_aside_licence_boilerplate_with_real_models(tmp_path):
    from tests.helpers.texts import MIT_LICENSE

    licence = tmp_path / "licence.txt"
    licence.write_text("Copyright (c) 2019 Jane Doe\n\n" + MIT_LICENSE, encoding="utf-8")
    proc = run("scan", str(licence), "--model", "smollm2", "--reference", "default", "--json",
               str(tmp_path / "r.json"), "--no-bundled-controls")
    assert proc.returncode == 0, proc.stderr
    data = json.loads((tmp_path / "r.json").read_text())
    record = data["provenance"]["reference_model"]
    assert record["name"].startswith("gemma-3-270m") and record["passages_set_aside"] >= 1
    reasons = [p["common_phrase_reason"] for p in data["passages"] if p["common_phrase"]]
    assert any(r.startswith("the reference model gemma-3-270m") for r in reasons)
    n = record["passages_set_aside"]
    assert f"set aside {n} passage" in proc.stdout
    assert ("as a common phrase" if n == 1 else "as common phrases") in proc.stdout


def test_several_models_are_each_checked_against_the_reference_but_itself(tmp_path, capsys, two_tiny_models):
    work = tmp_path / "work.txt"
    work.write_text("Marguerite sorted the buttons by colour and by holes. " * 6, encoding="utf-8")
    a, b = two_tiny_models
    out = tmp_path / "results"
    assert main(["scan", str(work), "--model", str(a), "--model", str(b), "--reference", str(b),
                 "--out-dir", str(out), "--no-bundled-controls", "--quiet"]) == 0
    results = {p.name: json.loads(p.read_text()) for p in out.glob("*.json")}
    assert sorted(results) == ["work--tiny-a.json", "work--tiny-b.json"]
    assert results["work--tiny-a.json"]["provenance"]["reference_model"]["name"] == "tiny-b"
    assert "reference_model" not in results["work--tiny-b.json"]["provenance"]
    assert f"Reference model {b}: 0 passages set aside" in capsys.readouterr().out


def test_summary_prints_the_controls_rate_with_its_interval_and_the_chance_model(tmp_path):
    """One control: the false-positive rate comes with its exact interval; a generate-only scan says what it
    did not test."""
    from cli.main import format_summary
    from core.evidence.control_scan import with_controls
    from core.model.fake import FakeBackend
    from core.scan.engine import run_scan
    from tests.core.scan.test_engine_fake import FRESH, MEMORIZED, SMALL
    from tests.helpers.docs import document

    settings = dataclasses.replace(SMALL, suffix_tokens=50)
    for can_score in (True, False):
        model = FakeBackend(memorized=(MEMORIZED,), can_score=can_score)
        result = run_scan(document(MEMORIZED + " " + FRESH), model, settings)
        result = with_controls(result, [document(FRESH, str(tmp_path / "control.txt"))], model, settings,
                               user_controls=1)
        summary = format_summary(result).splitlines()
        line = next(x for x in summary if x.startswith("Controls"))
        assert "1 never-published text (" in line and "0 of 1 judged inconclusive or memorized" in line
        assert "95 % interval 0%-98%" in line
        assert any(x.startswith("Chance model") and "fitted on" in x for x in summary)
        assert any(x.startswith("Rule") and "alpha = 0.001" in x for x in summary)
        # Another writer's text as the control: no membership p-value, and the summary says why.
        assert result.statistics["p_value"] is None
        membership = next((x for x in summary if x.startswith("Min-K%++ vs controls")), "")
        assert ("not tested: the controls are not the author's own unpublished writing" in membership) is can_score


def test_summary_states_a_near_verbatim_stretch_beside_the_exact_count():
    from cli.main import format_summary
    from core.model.fake import FakeBackend
    from core.scan.engine import run_scan
    from tests.core.scan.test_engine_fake import FRESH, MEMORIZED, SMALL
    from tests.helpers.docs import document

    changed = MEMORIZED.replace("three geese", "four geese")
    settings = dataclasses.replace(SMALL, suffix_tokens=30)
    result = run_scan(document(FRESH * 3 + changed + " " + FRESH * 2), FakeBackend(memorized=(MEMORIZED,)), settings)
    near = [p for p in result.passages if p.near_verbatim_tokens > p.verbatim_tokens]
    assert near, "the passage before the changed word goes on near-verbatim"
    p = near[0]
    assert f"near-verbatim {p.near_verbatim_tokens} ({p.near_verbatim_edits} differ)" in format_summary(result)


def test_summary_names_the_figures_as_the_app_and_the_pdf_do():
    from cli.main import format_summary
    from core.report.glossary import term
    from tests.helpers.results import make_result

    labels = [line.split(":")[0].strip() for line in format_summary(make_result()).splitlines()[3:7]]
    assert labels == [term(k).name for k in ("longest_run", "share", "coverage", "confirmed")]
