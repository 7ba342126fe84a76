"""Every figure measures what its label says (issue 15): greedy is greedy, one horizon, one generation.

Fast tests on a tiny random transformers model saved to disk (the real loading path) and on the fake.
"""

import dataclasses

import numpy as np
import pytest

from core.model.fake import FakeBackend
from core.scan.engine import run_scan
from core.settings import ScanSettings, Thresholds
from tests.helpers.docs import document
from tests.helpers.results import judged
from tests.helpers.tiny_model import CORPUS, build_tiny_model

torch = pytest.importorskip("torch")

# A model whose own generation_config.json asks for what transformers' generate() would apply.
NOT_GREEDY = {"repetition_penalty": 1.5, "no_repeat_ngram_size": 3}
CONTINUATION = 70


def _plain_argmax(model, ids: list[int], steps: int) -> list[int]:
    """The plain argmax continuation: full forward passes, no cache, no generate(), no logits processor."""
    out = list(ids)
    with torch.inference_mode():
        for _ in range(steps):
            out.append(int(model(torch.tensor([out])).logits[0, -1].argmax()))
    return out[len(ids) :]


@pytest.fixture(scope="module")
def penalized(tmp_path_factory):
    """A tiny model saved with a repetition penalty, and a manuscript that is its plain argmax continuation."""
    from core.model.hf import load_transformers

    folder = build_tiny_model(tmp_path_factory.mktemp("penalized"), seed=1, words=True,
                              generation_config=NOT_GREEDY)
    backend = load_transformers(folder, device="cpu", dtype="float32")
    seed = [int(t) for t in backend.tokenize(CORPUS[1]).ids]
    continuation = _plain_argmax(backend.model, [backend.bos_id, *seed], CONTINUATION)
    specials = {backend.bos_id, *backend.tokenizer.all_special_ids}
    assert not specials & set(continuation), "the continuation must be plain words (pick another model seed)"
    text = backend.decode(seed + continuation)
    assert backend.tokenize(text).ids.tolist() == seed + continuation  # the text is exactly those tokens
    return backend, text, len(seed)


def test_the_model_asks_for_a_penalty_that_changes_generate(penalized):
    """The premise: transformers' generate() with the model's own config is not the argmax continuation."""
    backend, text, n_seed = penalized
    ids = backend.tokenize(text).ids
    prompt = torch.tensor([[backend.bos_id, *ids[:n_seed]]])
    with torch.inference_mode():
        theirs = backend.model.generate(prompt, max_new_tokens=CONTINUATION)[0, prompt.shape[1] :].tolist()
    assert backend.model.generation_config.repetition_penalty == NOT_GREEDY["repetition_penalty"]
    assert theirs[:CONTINUATION] != ids[n_seed:].tolist()


def test_generation_is_the_plain_argmax_continuation(penalized):
    backend, text, n_seed = penalized
    ids = backend.tokenize(text).ids
    prompt = np.asarray([[backend.bos_id, *ids[:n_seed]]])
    assert backend.generate(prompt, CONTINUATION)[0].tolist() == ids[n_seed:].tolist()
    decoding = backend.decoding
    assert decoding["ties"] == "lowest token id" and decoding["output_head"] == "float32"
    assert decoding["model_generation_config_not_applied"] == NOT_GREEDY


@pytest.mark.parametrize("confirm_by", ["draft", "generate"])
def test_argmax_continuation_is_memorized_in_both_modes(penalized, confirm_by):
    backend, text, n_seed = penalized
    # Every prompt reaches back to the BOS, so each generation is the full-context argmax the text was made of.
    # The 84-token text is under the rule's 100-token floor for judging, and a tiny random model's argmax
    # continuation loops (context copies): both are set aside here, where only greedy decoding is tested.
    settings = ScanSettings(chunk_tokens=128, overlap_tokens=32, prefix_tokens=128, confirm_by=confirm_by,
                            thresholds=Thresholds(min_tokens=50, context_copy_ngram=10_000))
    result = judged(run_scan(document(text), backend, settings))  # judged as after a control scan
    assert result.summary.verdict == "memorized", result.summary.reason
    longest = max(result.passages, key=lambda p: p.verbatim_tokens)
    assert longest.verbatim_tokens >= CONTINUATION - 1
    assert text[longest.start_char : longest.end_char].strip() in longest.generated
    assert result.provenance["decoding"]["model_generation_config_not_applied"] == NOT_GREEDY
    assert result.provenance["confirmation"]["generate_disagreements"] == 0


# -- one generation per passage ---------------------------------------------------------------------

MEMORIZED = (
    "Tom Bombadil walked the long road past seven mills where the river bends twice before the sea, "
    "carrying a lantern of green glass that his grandmother had bought from a tinker in exchange for "
    "three geese, a promise, and the recipe for a pie that nobody in the valley could ever reproduce "
    "although many had tried on long winter nights by the fire."
)
FRESH = (
    "Marguerite sorted the buttons by colour first and then by the number of holes, because her "
    "brother insisted that four-holed buttons were older, a claim nobody had ever checked. "
)
SMALL = ScanSettings(chunk_tokens=24, overlap_tokens=6, prefix_tokens=8, suffix_tokens=50, batch_size=2)
DIVERGE_AT = 20


class DisagreeingFake(FakeBackend):
    """The fake whose step-by-step generation leaves the memorized text after DIVERGE_AT tokens, where its
    one-pass scoring does not: what a numerical near-tie does to a real model, made certain."""

    def generate(self, prompts, max_new_tokens):
        out = super().generate(prompts, max_new_tokens)
        out[:, DIVERGE_AT:] = 1  # " the", never the memorized text's next word here
        return out


def test_every_figure_comes_from_the_generation_the_report_shows():
    text = FRESH * 3 + MEMORIZED + " " + FRESH * 2
    backend = DisagreeingFake(memorized=(MEMORIZED,))
    result = run_scan(document(text), backend, SMALL)
    assert result.provenance["confirmation"]["generate_disagreements"] >= 1
    replayed = [p for p in result.passages if p.verbatim_tokens == DIVERGE_AT]
    assert replayed, "the replayed passage must be the one shown"
    for p in result.passages:
        assert p.end_token - p.start_token == p.verbatim_tokens
        assert p.matched_suffix_tokens == min(p.verbatim_tokens, SMALL.suffix_tokens)
        assert p.exact_suffix_match == (p.verbatim_tokens >= SMALL.suffix_tokens)
        assert p.generated.startswith(text[p.start_char : p.end_char])
    for p in replayed:
        ids = backend.tokenize(text).ids
        prompt = np.concatenate([[backend.bos_id], ids[p.start_token - SMALL.prefix_tokens : p.start_token]])
        shown = backend.generate(prompt[None, :], len(backend.tokenize(p.generated).ids))[0]
        assert p.generated == backend.decode(shown)
        assert not p.exact_suffix_match and p.matched_suffix_tokens == DIVERGE_AT
        assert p.similarity < 100 and p.original_spans[-1][1] < len(p.original)  # aligned with what it shows


def test_both_modes_generate_to_the_same_horizon():
    """A triage run of 8 hits whose generation goes on: both modes confirm the same length."""
    text = FRESH * 3 + MEMORIZED + " " + FRESH * 2
    results = {  # a fresh fake each: its vocabulary, hence its probabilities, grows with what it reads
        mode: run_scan(document(text), FakeBackend(memorized=(MEMORIZED,)),
                       dataclasses.replace(SMALL, confirm_by=mode, max_passage_tokens=8))
        for mode in ("draft", "generate")
    }
    figures = {
        mode: [(p.start_token, p.verbatim_tokens, p.matched_suffix_tokens, p.exact_suffix_match, p.fragile_positions,
                p.p_extract) for p in r.passages]
        for mode, r in results.items()
    }
    assert figures["draft"] == figures["generate"]
    assert results["draft"].summary.verdict == results["generate"].summary.verdict
    # Runs cut to 8 tokens are still generated to the standard suffix: the passages are longer than 8 + 8.
    assert max(v for _, v, *_ in figures["draft"]) > 8 + SMALL.confirm_extra_tokens


# -- the near-tie threshold follows the numeric precision ------------------------------------------

@pytest.mark.parametrize(("backend", "dtype", "precision"), [
    ("transformers", "float32", "fp32"), ("transformers", "bfloat16", "half"), ("transformers", "float16", "half"),
    ("llama.cpp", "Q4_K_M", "quantized"), ("remote (top-20 log-probabilities)", "server", "quantized"),
])
def test_near_tie_threshold_follows_the_precision(backend, dtype, precision):
    from core.model.backend import numeric_precision
    from core.results import ModelInfo
    from core.settings import Thresholds

    info = ModelInfo(name="m", path="m", format="gguf", backend=backend, dtype=dtype)
    assert numeric_precision(info) == precision
    t = Thresholds()
    expected = {"fp32": t.near_tie_gap, "half": t.near_tie_gap_half, "quantized": t.near_tie_gap_quantized}
    assert t.near_tie(precision) == expected[precision]
    assert t.near_tie_gap < t.near_tie_gap_half <= t.near_tie_gap_quantized


def test_fragile_positions_use_the_threshold_of_the_models_precision():
    """The fake's top-2 gap is a fixed log(0.9 / p_miss): a threshold above it makes every position fragile."""
    text = FRESH * 3 + MEMORIZED + " " + FRESH * 2
    backend = FakeBackend(memorized=(MEMORIZED,))
    gap = float(backend.score(backend.tokenize(text).ids[None, :12], 5).gap[0, 0])
    base = run_scan(document(text), backend, SMALL)
    assert base.provenance["decoding"]["precision"] == "fp32"
    assert base.provenance["decoding"]["near_tie_gap"] == SMALL.thresholds.near_tie_gap < gap
    assert all(p.fragile_positions == 0 for p in base.passages)
    wide = dataclasses.replace(SMALL, thresholds=dataclasses.replace(SMALL.thresholds, near_tie_gap=gap + 1))
    flagged = run_scan(document(text), FakeBackend(memorized=(MEMORIZED,)), wide)
    for p in flagged.passages:  # the reproduced span and the position where it ends (or the text ends)
        assert p.fragile_positions == min(p.verbatim_tokens + 1, len(backend.tokenize(text).ids) - p.start_token)
