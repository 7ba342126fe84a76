"""End to end with the embedded default model (Gemma 3 270M Q4_K_M from PyPI) on real texts."""

import numpy as np
import pytest

from core.scan.engine import run_scan
from core.settings import ScanSettings
from tests.helpers import real_models, texts
from tests.helpers.docs import document

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def gemma():
    return real_models.gemma()


@pytest.fixture(scope="module")
def genesis(gemma):
    return run_scan(document(texts.kjv_chapter("Genesis", 1), "genesis-1.txt"), gemma, ScanSettings())


def test_kjv_chapter_yields_confirmed_passages(genesis):
    assert genesis.complete
    assert genesis.summary.verdict in ("memorized", "inconclusive")
    assert genesis.summary.longest_verbatim_tokens >= 16
    assert len([p for p in genesis.passages if not p.common_phrase]) >= 3


def test_generated_text_really_came_from_the_model(gemma, genesis):
    """Replay each of the top passages with transformers' own generate(), bypassing our backend."""
    import torch

    text = genesis.text
    ids = gemma.tokenize(text).ids
    top = sorted(genesis.passages, key=lambda p: -p.verbatim_tokens)[:3]
    for p in top:
        assert text[p.start_char : p.end_char] in p.generated
        prompt = np.concatenate([[gemma.bos_id], ids[max(0, p.start_token - 50) : p.start_token]])
        with torch.inference_mode():
            out = gemma.model.generate(
                torch.from_numpy(prompt)[None, :], max_new_tokens=p.verbatim_tokens, do_sample=False,
                pad_token_id=gemma.tokenizer.pad_token_id,
            )
        replay = gemma.tokenizer.decode(out[0, prompt.shape[0] :])
        assert p.generated.startswith(replay)
        assert replay.strip() == text[p.start_char : p.end_char].strip()


def test_text_written_for_the_test_yields_no_evidence(gemma):
    story = texts.UNPUBLISHED_STORY.read_text(encoding="utf-8")
    result = run_scan(document(story, "story.txt"), gemma, ScanSettings())
    assert result.complete
    assert result.summary.verdict == "no-evidence", result.summary.reason
    assert result.summary.longest_verbatim_tokens < ScanSettings().thresholds.inconclusive_tokens
