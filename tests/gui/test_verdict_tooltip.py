"""The verdict badge explains the rule, its alpha and the chance model behind the verdict."""

from core.settings import ScanSettings
from gui.results_view import verdict_tooltip
from tests.helpers.results import judged, make_result


def test_tooltip_states_rule_alpha_and_chance_model():
    result = judged(make_result())
    tip = verdict_tooltip(result)
    t = ScanSettings.from_dict(result.settings).thresholds
    assert f"at least {t.memorized_tokens} tokens whose chance is below {t.alpha:g}" in tip
    assert f"fitted on {result.null_model['tokens']:,} tokens" in tip
    assert "expects" in tip and f"this work has {result.summary.observed_passages}" in tip


def test_tooltip_without_controls_says_no_chance_model():
    assert "No chance model was estimated" in verdict_tooltip(make_result())
