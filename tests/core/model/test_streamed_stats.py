"""Vocabulary-streamed statistics equal the reference computed from full logits."""

import pytest

torch = pytest.importorskip("torch")

from core.model.logits import blocked_topk, scores_from_logits, streamed_stats  # noqa: E402


@pytest.mark.parametrize("softcap", [None, 30.0])
def test_streamed_stats_match_full_logits_across_blocks(softcap):
    torch.manual_seed(0)
    b, t, h, v = 2, 17, 32, 20_000
    hidden, weight, bias = torch.randn(b, t, h), torch.randn(v, h) * 0.5, torch.randn(v)
    logits = hidden @ weight.T + bias
    if softcap:
        logits = torch.tanh(logits / softcap) * softcap
    targets = torch.randint(0, v, (b, t))
    targets[:, ::2] = logits.topk(5, dim=-1).indices[:, ::2, 3]  # half the targets inside the top-k
    got = streamed_stats(hidden, weight, bias, targets, top_k=40, softcap=softcap, vocab_block=3001)
    ref = scores_from_logits(logits.numpy(), targets.numpy(), top_k=40)
    assert (got["greedy"].numpy() == ref.greedy).all()
    for name, expected in (("logp", ref.logp), ("logp_topk", ref.logp_topk), ("gap", ref.gap),
                           ("mean", ref.mean_logp), ("std", ref.std_logp)):
        assert got[name].numpy() == pytest.approx(expected, abs=2e-3), name


def test_blocked_topk_is_exact_with_ties():
    torch.manual_seed(1)
    x = torch.randn(3, 5, 300_000)
    x[0, 2, 1000:1050] = 40.0
    for k in (2, 40):
        got, ref = blocked_topk(x, k), torch.topk(x, k, dim=-1)
        assert torch.equal(got.values, ref.values)
        assert torch.equal(torch.gather(x, -1, got.indices), got.values)
