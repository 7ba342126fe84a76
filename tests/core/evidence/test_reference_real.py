"""The reference-model test across two real tokenizers: SmolLM2's passages put to Gemma 3 270M.

The MIT licence is boilerplate both models have seen. SmolLM2 is scanned; Gemma, whose tokenizer cuts the
same text differently, is the reference. Each outcome is checked against Gemma's own step-by-step
generate() from the same prompt, decoded to characters, so the character mapping is tested end to end.
"""

import numpy as np
import pytest

from core.evidence.reference import reference_outcomes, with_reference
from core.scan.engine import run_scan
from core.scan.progress import finish
from core.settings import ScanSettings
from tests.helpers import real_models, texts
from tests.helpers.docs import document

TEXT = "Copyright (c) 2019 Jane Doe\n\n" + texts.MIT_LICENSE
SETTINGS = ScanSettings(device="cpu")
# About 20 s with both models' converted weights cached; the first GGUF conversion alone takes a minute.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def scanned():
    return run_scan(document(TEXT, "mit.txt"), real_models.smollm2(), SETTINGS)


def _common_prefix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    diff = [i for i in range(n) if a[i] != b[i]]
    return diff[0] if diff else n


def test_outcomes_match_the_reference_models_own_generation(scanned):
    gemma, smol = real_models.gemma(), real_models.smollm2()
    assert scanned.passages, "SmolLM2 reproduces parts of the MIT licence"
    outcomes = finish(reference_outcomes(TEXT, scanned.passages, gemma, SETTINGS))
    assert len(outcomes) == len(scanned.passages)
    ref = gemma.tokenize(TEXT)
    scanned_offsets = smol.tokenize(TEXT).offsets
    assert not np.array_equal(ref.offsets, scanned_offsets[: len(ref.offsets)]), "two different tokenizers"
    for o in outcomes:
        t = o.target
        p = scanned.passages[t.passage]
        # The reference's first token begins the passage (at most whitespace before its first character).
        first = int(ref.offsets[t.start_token, 0])
        assert first <= t.start_char and TEXT[first : t.start_char].strip() == ""
        assert TEXT[t.start_char : t.end_char] == TEXT[p.start_char : p.end_char].strip()
        # Gemma's own generate() from the 50 Gemma tokens before it, decoded and compared as characters.
        prompt = np.concatenate([[gemma.bos_id], ref.ids[max(0, t.start_token - 50) : t.start_token]])
        new = t.end_token - t.start_token + 8
        out = gemma.generate(prompt[None, :].astype(np.int64), new)[0]
        written = gemma.decode(out[out >= 0]).lstrip()
        agree = min(_common_prefix(written, TEXT[t.start_char :]), t.chars)
        # Token-level agreement, converted to characters, can only stop at or before the character-level one,
        # and within the one token where they diverge.
        assert o.reproduced_chars <= agree
        assert agree - o.reproduced_chars <= max(len(gemma.decode([int(i)])) for i in ref.ids[t.start_token:t.end_token])
        assert o.common == (o.reproduced_chars >= o.needed_chars)


def test_gemma_sets_aside_licence_boilerplate_and_the_verdict_is_recomputed(scanned):
    gemma = real_models.gemma()
    out = with_reference(scanned, gemma)
    record = out.provenance["reference_model"]
    assert record["name"] == gemma.info.name and record["sha256"] == gemma.info.sha256
    flagged = [p for p in out.passages if p.common_phrase and "reference model" in p.common_phrase_reason]
    assert flagged, "Gemma reproduces some of the licence SmolLM2 reproduced"
    assert record["passages_reproduced"] == len(flagged)
    for p in flagged:
        assert f"the reference model {gemma.info.name}, named as not trained on this work" in p.common_phrase_reason
    assert out.summary.common_phrases == scanned.summary.common_phrases + record["passages_set_aside"]
    counted = [p for p in out.passages if not p.common_phrase]
    assert out.summary.longest_verbatim_tokens == max((p.verbatim_tokens for p in counted), default=0)
