"""The transformers backend on a tiny random model saved to disk (the real loading path, offline)."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from core.model.backend import scores_from_logits  # noqa: E402
from core.model.hf import load_transformers  # noqa: E402
from core.model.safety import UnsafeModelError  # noqa: E402
from core.scan.windows import leading_matches  # noqa: E402
from tests.helpers.tiny_model import CORPUS, build_tiny_model  # noqa: E402


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = build_tiny_model(tmp_path_factory.mktemp("tiny"))
    return load_transformers(folder, device="cpu", dtype="float32")


def test_loads_with_provenance(tiny):
    info = tiny.info
    assert info.format == "safetensors" and info.backend == "transformers"
    assert info.parameters == sum(p.numel() for p in tiny.model.parameters())
    assert info.files and all(len(f.sha256) == 64 for f in info.files)
    assert tiny.bos_id is not None


def test_tokenize_offsets_tile_the_text(tiny):
    text = CORPUS[0] + " " + CORPUS[2]
    toks = tiny.tokenize(text)
    assert toks.offsets[0, 0] == 0 and toks.offsets[-1, 1] == len(text)
    assert (toks.offsets[1:, 0] == toks.offsets[:-1, 1]).all()
    assert tiny.decode(toks.ids) == text


def test_score_matches_reference_log_softmax(tiny):
    ids = tiny.tokenize(CORPUS[1]).ids[:12]
    windows = np.stack([np.concatenate([[tiny.bos_id], ids]), np.concatenate([[tiny.bos_id], ids[::-1]])])
    got = tiny.score(windows, top_k=5)
    with torch.no_grad():
        logits = tiny.model(torch.from_numpy(windows)).logits[:, :-1].numpy()
    ref = scores_from_logits(logits, windows[:, 1:], top_k=5)
    assert (got.greedy == ref.greedy).all()
    np.testing.assert_allclose(got.logp, ref.logp, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(got.logp_topk, ref.logp_topk, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(got.mean_logp, ref.mean_logp, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(got.std_logp, ref.std_logp, rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(got.gap, ref.gap, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("first", [1, 7, 11])
def test_score_from_a_column_equals_the_tail_of_the_full_score(tiny, first):
    ids = tiny.tokenize(CORPUS[0] + " " + CORPUS[1]).ids[:12]
    windows = np.stack([np.concatenate([[tiny.bos_id], ids]), np.concatenate([[tiny.bos_id], ids[::-1]])])
    full, tail = tiny.score(windows, top_k=5), tiny.score(windows, top_k=5, first=first)
    assert tail.greedy.shape == (2, windows.shape[1] - 1 - first)
    assert (tail.greedy == full.greedy[:, first:]).all()
    for name in ("logp", "logp_topk", "gap", "mean_logp", "std_logp"):
        np.testing.assert_allclose(getattr(tail, name), getattr(full, name)[:, first:], rtol=1e-5, atol=1e-5)


def test_greedy_generation_agrees_with_teacher_forcing(tiny):
    prompt = np.concatenate([[tiny.bos_id], tiny.tokenize(CORPUS[0]).ids[:10]])[None, :]
    gen = tiny.generate(prompt, 12)
    assert gen.shape == (1, 12)
    seq = gen[0][gen[0] >= 0]
    # Teacher-force the model on its own output: its argmax must be the token it generated.
    window = np.concatenate([prompt[0], seq])[None, :]
    s = tiny.score(window, top_k=5)
    predicted = s.greedy[0, prompt.shape[1] - 1 :]
    near_tie = s.gap[0, prompt.shape[1] - 1 :] < 1e-4
    agree = leading_matches(predicted[: len(seq)], seq)
    assert agree == len(seq) or near_tie[agree]


def test_pickle_weights_are_refused(tmp_path):
    folder = build_tiny_model(tmp_path / "m")
    (folder / "pytorch_model.bin").write_bytes(b"\x80\x04K\x01.")
    with pytest.raises(UnsafeModelError):
        load_transformers(folder, device="cpu")


def test_draft_verification_matches_generate_on_a_real_model(tiny):
    from core.scan.probes import draft_verify, generate_from_prefix
    from core.scan.progress import finish
    from core.settings import ScanSettings

    settings = ScanSettings(prefix_tokens=6, suffix_tokens=8, confirm_batch_size=4)
    # Text the model itself produced: its greedy continuation is then the "author's" text for a while.
    seed = np.concatenate([[tiny.bos_id], tiny.tokenize(CORPUS[2]).ids[:6]])[None, :]
    own = tiny.generate(seed, 24)[0]
    ids = np.concatenate([seed[0, 1:], own[own >= 0], tiny.tokenize(" " + CORPUS[0]).ids])
    requests = [(r, 10) for r in range(6, len(ids) - 2, 2)]

    drafted = finish(draft_verify(ids, requests, tiny, settings))
    generated = finish(generate_from_prefix(ids, requests, tiny, settings))
    assert any(g.verbatim >= 5 for g in generated.values()), "the self-generated stretch must be reproduced"
    for r, (d, _) in drafted.items():
        g = generated[r]
        assert min(d.verbatim, 10) == g.verbatim
        k = min(len(d.tokens), len(g.tokens))
        assert (d.tokens[:k] == g.tokens[:k]).all()
