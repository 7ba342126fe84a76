"""The transformers backend on a tiny random model saved to disk (the real loading path, offline)."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from core.model.hf import load_transformers  # noqa: E402
from core.model.logits import scores_from_logits  # noqa: E402
from core.model.safety import UnsafeModelError  # noqa: E402
from core.scan.triage import with_bos  # noqa: E402
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


# -- BOS as the tokenizer adds it (issue 15, item 4) ------------------------------------------------

def test_bos_is_what_the_tokenizer_puts_before_a_text(tiny, tmp_path):
    # The tiny tokenizer puts <s> before a text, as Llama's does ...
    assert tiny.tokenizer("a")["input_ids"][0] == tiny.bos_id == tiny.tokenizer.bos_token_id
    # ... and one that defines <s> but puts nothing before a text (as Qwen's) gets no BOS.
    bare = load_transformers(build_tiny_model(tmp_path / "bare", adds_bos=False), device="cpu")
    assert bare.tokenizer.bos_token_id is not None
    assert bare.tokenizer("a")["input_ids"] == bare.tokenizer("a", add_special_tokens=False)["input_ids"]
    assert bare.bos_id is None


def test_a_prefix_token_is_recognized_only_before_the_text():
    from core.model.backend import added_prefix

    assert added_prefix([1, 5, 6], [5, 6]) == 1
    assert added_prefix([5, 6], [5, 6]) is None
    assert added_prefix([5, 6, 2], [5, 6]) is None  # an EOS after the text is no BOS
    assert added_prefix([1, 5, 6, 2], [5, 6]) == 1


# -- statistics in fp32, ties to the lowest id (issue 15, item 5) -------------------------------------

@pytest.fixture(scope="module")
def tiny_bf16(tmp_path_factory):
    folder = build_tiny_model(tmp_path_factory.mktemp("bf16"))
    backend = load_transformers(folder, device="cpu", dtype="bfloat16")
    with torch.no_grad():  # logits of a few nats, where bf16 rounding is about 0.03
        backend.model.lm_head.weight.mul_(200)
    return backend


def test_output_head_runs_in_fp32_with_bf16_weights(tiny_bf16):
    b = tiny_bf16
    ids = with_bos(b.tokenize(CORPUS[1]).ids[None, :16], b.bos_id)
    with torch.no_grad():
        hidden = b._hidden(torch.from_numpy(ids))[:, :-1]
        assert hidden.dtype == torch.bfloat16
        logits = (hidden.float() @ b.model.lm_head.weight.float().T).numpy()
    ref = scores_from_logits(logits, ids[:, 1:], top_k=5)
    got = b.score(ids, top_k=5)
    assert np.abs(logits).max() > 2  # large enough for bf16 logits to be off by hundredths
    np.testing.assert_allclose(got.logp, ref.logp, atol=1e-4)
    np.testing.assert_allclose(got.gap, ref.gap, atol=1e-4)
    assert (got.greedy == ref.greedy).all()
    # Generation decides on the same fp32 logits.
    with torch.no_grad():
        logits_next, _ = b._next_logits(torch.from_numpy(ids), None)
        assert logits_next.dtype == torch.float32
        last = b._hidden(torch.from_numpy(ids))[:, -1].float() @ b.model.lm_head.weight.float().T
    np.testing.assert_allclose(logits_next.numpy(), last.numpy(), atol=1e-3)


def test_exact_ties_go_to_the_lowest_token_id():
    from core.model.logits import blocked_stats as _stats
    from core.model.logits import streamed_stats

    logits = torch.tensor([[[1.0, 3.0, 0.5, 3.0, 2.0, 3.0, -1.0, 0.0, 0.0]]])
    targets = torch.tensor([[0]])
    assert int(_stats(logits.clone(), targets, top_k=3)["greedy"][0, 0]) == 1
    assert int(scores_from_logits(logits.numpy(), targets.numpy(), top_k=3).greedy[0, 0]) == 1
    # Streamed over vocabulary blocks of 4: the tie spans blocks 0 and 1; the earlier block's id wins.
    weight = torch.eye(9)
    hidden = logits
    for block in (4, 9):
        got = streamed_stats(hidden, weight, None, targets, top_k=3, vocab_block=block)
        assert int(got["greedy"][0, 0]) == 1


def test_scoring_and_generation_break_exact_ties_to_the_lowest_id(tiny):
    """Tokens 4 and 7 always get the same, highest logit: every choice is an exact tie."""
    import copy

    from core.model.hf import TransformersBackend

    model = copy.deepcopy(tiny.model)
    head = model.lm_head
    tied = torch.nn.Linear(head.in_features, head.out_features, bias=True)
    with torch.no_grad():
        tied.weight.copy_(head.weight)
        tied.bias.zero_()
        for token in (4, 7):
            tied.weight[token] = 0.0
            tied.bias[token] = 100.0
    model.lm_head = tied
    b = TransformersBackend(model, tiny.tokenizer, tiny.info, 0.0)
    ids = with_bos(b.tokenize(CORPUS[0]).ids[None, :10], b.bos_id)
    s = b.score(ids, top_k=5)
    assert (s.gap == 0).all()
    assert (s.greedy == 4).all()
    assert (b.generate(ids, 5) == 4).all()
