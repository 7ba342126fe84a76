"""One protocol, one answer, on real models (issue 15): both confirmation modes, both local backends."""

import dataclasses

import pytest

from core.scan.engine import run_scan
from core.settings import ScanSettings
from tests.helpers import real_models, texts
from tests.helpers.docs import document

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def genesis():
    return document(texts.kjv_chapter("Genesis", 1), "genesis-1.txt")


@pytest.fixture(scope="module")
def drafted(genesis):
    return run_scan(genesis, real_models.smollm2(), ScanSettings(device="cpu", confirm_by="draft"))


def _figures(result):
    return [(p.start_token, p.end_token, p.verbatim_tokens, p.matched_suffix_tokens, p.exact_suffix_match,
             p.fragile_positions, p.common_phrase) for p in result.passages]


def test_draft_and_generate_confirm_the_same_passages(genesis, drafted):
    generated = run_scan(genesis, real_models.smollm2(), ScanSettings(device="cpu", confirm_by="generate"))
    assert drafted.passages, "SmolLM2 reproduces some of Genesis 1: the comparison must have something to compare"
    assert _figures(drafted) == _figures(generated)
    assert drafted.summary.verdict == generated.summary.verdict
    for a, b in zip(drafted.passages, generated.passages, strict=True):
        assert a.p_extract == pytest.approx(b.p_extract, rel=1e-3)
        # Passages replayed with generate() show the same text in both modes.
        if a.generated == b.generated[: len(a.generated)]:
            continue
        pytest.fail(f"passage at token {a.start_token}: {a.generated!r} vs {b.generated!r}")


def test_same_weights_give_the_same_ids_and_verdict_on_both_backends(genesis, drafted):
    pytest.importorskip("llama_cpp")
    from core.model.loader import load_backend

    hf = real_models.smollm2()
    native = load_backend("smollm2", ScanSettings(device="cpu"), backend="llama.cpp")
    # SmolLM2 defines a BOS (<|endoftext|>) but its tokenizer adds none: neither backend prepends it.
    assert hf.bos_id is None and native.bos_id is None
    assert hf.tokenize(genesis.text).ids.tolist() == native.tokenize(genesis.text).ids.tolist()
    result = run_scan(genesis, native, dataclasses.replace(ScanSettings(device="cpu")))
    assert result.summary.verdict == drafted.summary.verdict
    assert result.provenance["decoding"]["bos_token_id"] is None
    assert result.provenance["decoding"]["precision"] == "quantized"
    assert result.provenance["decoding"]["near_tie_gap"] == ScanSettings().thresholds.near_tie_gap_quantized


def test_a_qwen_gguf_gets_no_bos_on_either_backend():
    """Qwen's GGUF names a BOS it does not add; llama.cpp and transformers both leave it out."""
    pytest.importorskip("llama_cpp")
    from transformers import AutoTokenizer

    from core.model.gguf import read_gguf_header
    from core.model.hf import tokenizer_bos
    from core.model.llamacpp import load_vocab
    from tests.helpers.calibration_model import model_path

    path = model_path()
    if not path.is_file():
        pytest.skip(f"{path} is missing: run `python -m tests.helpers.calibration_model`")
    native = load_vocab(path)
    tok = AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
    assert read_gguf_header(path).metadata.get("tokenizer.ggml.bos_token_id") is not None
    assert native.bos_id is None
    assert tokenizer_bos(tok, read_gguf_header(path).adds_bos) is None
    text = texts.kjv_chapter("Genesis", 1)[:2000]
    assert tok(text, add_special_tokens=False)["input_ids"] == native.tokenize(text).ids.tolist()
