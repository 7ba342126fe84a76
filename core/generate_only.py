"""What a generate-only scan is, for every reader of a result: how a result says it was one, and its limits.

A server that returns log-probabilities only for the tokens it generates is scanned by the
generate-and-compare sweep (core/scan/sweep.py) instead of the one teacher-forced pass. The scan
records that in provenance["probe"]; the app, the CLI and the report ask `is_generate_only` and show
`limitation`. A leaf module (results and settings only), so the report need not import the scan.
"""

from __future__ import annotations

from core.results import ScanResult
from core.settings import ScanSettings

PROBE = "generate-only"
"""provenance["probe"] of a scan made by the sweep ("teacher-forced" otherwise)."""


def is_generate_only(result: ScanResult) -> bool:
    """Whether a result came from the sweep (results written before the "probe" record say so in the backend)."""
    probe = result.provenance.get("probe")
    return probe == PROBE if probe is not None else "generate-only" in result.model.backend_label


def limitation(settings: ScanSettings) -> str:
    """What a generate-only scan does and does not measure, in one paragraph for the app and the report."""
    c = settings.thresholds.candidate_run_tokens
    return (
        "This model's server returns log-probabilities only for the tokens it generates, not for given "
        "text, so only the generate-and-compare probe applies: the model continued the author's text "
        f"from every {c}th token, which finds every verbatim run of {2 * c - 1} tokens or more but not "
        "necessarily shorter ones; p_z, coverage and the membership scores are not measured."
    )
