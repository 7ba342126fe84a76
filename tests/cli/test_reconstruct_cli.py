"""`verbatim scan --reconstruct`: the flags, their one-sentence refusals, the JSON field end to end."""

import json

from cli.main import main

SAMPLE = "assets/samples/genesis-1-3-kjv.txt"


def test_assisted_without_reconstruct_is_refused(capsys):
    assert main(["scan", SAMPLE, "--reconstruct-assisted"]) == 2
    assert "--reconstruct-assisted goes with --reconstruct" in capsys.readouterr().err


def test_a_bad_seed_is_one_sentence(capsys):
    assert main(["scan", SAMPLE, "--reconstruct", "--reconstruct-seed", "0"]) == 2
    assert "--reconstruct-seed must be at least 1 token" in capsys.readouterr().err


def test_a_folder_is_refused(capsys):
    assert main(["scan", "assets/samples", "--reconstruct"]) == 2
    assert "--reconstruct is for one manuscript and one model" in capsys.readouterr().err


def test_the_json_records_the_reconstruction(tmp_path, capsys):
    from tests.helpers.tiny_model import build_tiny_model

    model = build_tiny_model(tmp_path / "tiny", seed=1)
    work = tmp_path / "work.txt"
    work.write_text("The committee met to review the figures for the depots. " * 12, encoding="utf-8")
    out = tmp_path / "r.json"
    assert main(["scan", str(work), "--model", str(model), "--json", str(out), "--no-bundled-controls", "--quiet",
                 "--reconstruct", "--reconstruct-assisted", "--reconstruct-seed", "20",
                 "--reconstruct-max", "64"]) == 0
    rec = json.loads(out.read_text())["reconstruction"]
    assert rec["mode"] == "assisted" and rec["seed_tokens"] == 20 and rec["max_generated_tokens"] == 64
    assert 0 < rec["generated_tokens"] <= 64
    (chapter,) = rec["chapters"]
    assert chapter["chapter"] == "whole work" and chapter["segments"]
    assert set(chapter) >= {"start_char", "seed_tokens", "generated_tokens", "verbatim_tokens",
                            "near_verbatim_tokens", "stretches"}
    assert 0.0 <= rec["verbatim_share"] <= rec["near_verbatim_share"] <= 1.0
    printed = capsys.readouterr().out
    assert "Reconstruction       : assisted, from the first 20 tokens" in printed
    assert f"{rec['generated_tokens']} tokens generated" in printed or f"{rec['generated_tokens']} token generated" in printed
    assert f"  whole work: {chapter['verbatim_tokens']} of {chapter['tokens']:,} tokens verbatim" in printed
