"""A never-published song with a four-times chorus: the repeats are context copies, never evidence.

Before context copies were set apart, Qwen2.5-Coder-1.5B showed 39 % coverage at tau = 50 % on such a song:
the model copies the chorus from its own context, which says nothing about training data.
"""

from pathlib import Path

import pytest

from core.scan.engine import run_scan
from core.scan.windows import context_copy_mask
from core.settings import ScanSettings
from tests.helpers import real_models
from tests.helpers.docs import document

pytestmark = pytest.mark.slow

SONG = Path(__file__).resolve().parents[2] / "fixtures" / "unpublished" / "chorus_song.txt"


def test_the_chorus_repeats_are_set_apart_from_the_evidence():
    qwen = real_models.qwen_coder()
    text = SONG.read_text(encoding="utf-8")
    settings = ScanSettings()
    result = run_scan(document(text, "chorus_song.txt"), qwen, settings)
    ids = qwen.tokenize(text).ids
    copied = context_copy_mask(ids, settings.chunk_tokens, settings.thresholds.context_copy_ngram)
    # The chorus (about 55 tokens) comes back three times after its first occurrence.
    assert result.summary.context_copy_tokens == int(copied.sum()) >= 3 * 40
    # Windows holding a copied token do not count toward coverage, so the repeats no longer cover the song.
    assert result.summary.coverage["50%"] < 0.15
    # Nothing long is left that the model did not copy from the song itself.
    assert result.summary.longest_verbatim_tokens < settings.thresholds.inconclusive_tokens, result.summary.reason
