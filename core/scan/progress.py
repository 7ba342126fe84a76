"""Progress reports yielded by long core work, and the token that cancels it between batches."""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class ScanProgress:
    """One progress report. `done`/`total` count units of the current stage."""

    stage: str
    """"tokenize", "triage", "protocol", "confirm", "common-phrases", "evidence", or "chat" (core.job's chat probes)."""
    done: int
    total: int
    positions_done: int
    """Manuscript positions scored by the triage pass so far."""
    positions_total: int
    tokens_per_s: float
    eta_s: float | None
    message: str = ""

    @property
    def fraction(self) -> float:
        """Overall completion 0-1 (triage dominates the cost; later stages fill the last 10 %)."""
        if self.positions_total <= 0:
            return 0.0
        base = 0.9 * self.positions_done / self.positions_total
        if self.stage in ("tokenize", "triage"):
            return base
        stage_share = self.done / self.total if self.total else 1.0
        return min(1.0, base + 0.1 * stage_share)


STAGE_WORDS = {
    "loading": "Loading the model",
    "tokenize": "Reading the manuscript",
    "triage": "Testing every passage",
    "confirm": "Confirming passages",
    "generate": "Replaying passages",
    "protocol": "Measuring extraction odds",
    "common-phrases": "Checking common phrases",
    "reference": "Asking the reference model",
    "evidence": "Computing the evidence",
    "controls": "Scanning control texts",
    "reconstruct": "Reconstructing the work from its opening",
}
"""What each stage does, in words for a window (never the internal name)."""
STAGE_UNITS = {"tokenize": "tokens", "triage": "tokens", "controls": "texts"}
"""What a stage counts; the others count passages."""
AFTER_TRIAGE = ("confirm", "protocol", "generate", "common-phrases", "reference", "evidence")
"""The manuscript's stages after the one pass, in the order the scan runs them."""


@dataclass(frozen=True)
class Overall:
    """Where a whole scan stands: one fraction and one time left across every stage."""

    fraction: float
    """0-1, never lower than the last one reported."""
    eta_s: float | None
    """Seconds left, from the stages' measured speed; None until the first pass has measured it."""
    stage: str
    """What is being done, in words ("Replaying passages")."""
    counter: str
    """How far the stage is, with its unit ("3 of 12 passages"); "" when it has none."""
    measured: bool
    """False while nothing has been measured yet (the window shows a busy bar, not 0 %)."""


class OverallProgress:
    """One honest progress across the manuscript's stages and the control texts.

    The first pass (triage) scores every token and measures the model's speed; the later stages are
    timed as they run (seconds per passage); the control texts are costed at the same speed per
    character until the first of them is done, then at their own measured pace. The fraction is time
    spent over time spent plus time left, and never goes backwards: when an estimate grows, the bar waits.
    `now` is a monotonic clock reading (time.monotonic()), passed in so tests can drive it.
    """

    PRIOR_AFTER_TRIAGE = {
        "confirm": 2.0, "generate": 0.5, "protocol": 0.25, "common-phrases": 1.0, "reference": 0.0, "evidence": 0.0,
    }  # fmt: skip
    """Before a later stage has timed itself, its cost as a multiple of the first pass's. Measured on the
    sample with Gemma 3 270M on two CPU cores (first pass 2 min; 65 candidates confirmed in 4 min, 25
    common-phrase tests in 3 min): generation costs far more per token than the one pass. A stage a
    scan skips drops out when a later one starts."""

    def __init__(self, text_chars: int, controls_chars: int = 0) -> None:
        self._text_chars = max(1, text_chars)
        self._controls_chars = max(0, controls_chars)
        self._t0: float | None = None
        self._last = 0.0
        self._triage_s: float | None = None
        """Seconds the whole first pass costs at the measured speed (or took, when it was resumed)."""
        self._rate = 0.0
        """Tokens per second the first pass scores (checkpointed batches read back are not counted)."""
        self._stage = "tokenize"
        self._stage_t0 = 0.0
        self._done = self._total = 0
        self._seen: list[str] = []
        self._controls_t0: float | None = None
        self._controls_done = self._controls_total = 0
        self._fraction = 0.0

    def _start(self, now: float) -> None:
        if self._t0 is None:
            self._t0 = self._last = now

    def _enter(self, stage: str, now: float) -> None:
        if stage != self._stage:
            # A stage reports after its first batch: it began when the one before it last reported.
            self._stage, self._stage_t0 = stage, self._last
            if stage not in self._seen:
                self._seen.append(stage)
        self._last = now

    def scan(self, p: ScanProgress, now: float) -> Overall:
        """Account for one of the scan's own progress reports."""
        self._start(now)
        self._enter(p.stage, now)
        self._done, self._total = p.done, p.total
        if p.stage == "triage" and p.positions_total and p.positions_done:
            rate = p.tokens_per_s
            elapsed = now - self._stage_t0
            if rate <= 0 and elapsed > 0:
                rate = p.positions_done / elapsed
            if rate > 0:
                self._rate = rate
                self._triage_s = p.positions_total / rate
        elif p.stage in AFTER_TRIAGE and self._triage_s is None and p.positions_total:
            self._triage_s = now - (self._t0 or now)  # resumed from a checkpoint: the pass cost nothing now
        return self._report(now)

    def controls(self, done: int, total: int, now: float) -> Overall:
        """Account for the control texts: `done` of `total` scanned so far."""
        self._start(now)
        if self._controls_t0 is None:
            self._controls_t0 = now  # reported before each control: the first one starts now
        self._enter("controls", now)
        self._controls_done, self._controls_total = done, total
        self._done, self._total = done, total
        return self._report(now)

    def _left_s(self, now: float) -> float | None:
        if self._triage_s is None:
            return None
        triage = self._triage_s
        prior = {stage: share * triage for stage, share in self.PRIOR_AFTER_TRIAGE.items()}
        after = sum(prior.values())
        left = 0.0
        stage = self._stage
        if stage in ("tokenize", "triage"):
            to_score = max(0, self._total - self._done) if stage == "triage" else 0
            left += (to_score / self._rate if self._rate > 0 else triage) + after
        elif stage in AFTER_TRIAGE:
            spent = now - self._stage_t0
            if self._done > 0 and self._total:
                left += spent / self._done * (self._total - self._done)
            else:
                left += max(0.0, prior[stage] - spent)
            later = AFTER_TRIAGE[AFTER_TRIAGE.index(stage) + 1 :]
            left += sum(prior[s] for s in later)
        if stage != "controls" and self._controls_chars:
            left += (triage + after) * self._controls_chars / self._text_chars
        elif stage == "controls" and self._controls_total:
            spent = now - (self._controls_t0 or now)
            remaining = self._controls_total - self._controls_done
            if self._controls_done:
                left += spent / self._controls_done * remaining
            else:
                per_text = (triage + after) * self._controls_chars / self._text_chars / self._controls_total
                left += max(0.0, per_text * remaining - spent)
        return left

    def _report(self, now: float) -> Overall:
        left = self._left_s(now)
        spent = now - (self._t0 or now)
        if left is not None and spent + left > 0:
            # Never backwards, and never "done" before the last stage is.
            self._fraction = max(self._fraction, min(0.99, spent / (spent + left)))
        stage = self._stage
        unit = STAGE_UNITS.get(stage, "passages")
        counter = f"{self._done:,} of {self._total:,} {unit}" if self._total and stage != "tokenize" else ""
        return Overall(
            fraction=self._fraction,
            eta_s=left,
            stage=STAGE_WORDS.get(stage, stage.replace("-", " ").capitalize()),
            counter=counter,
            measured=left is not None,
        )


class CancelToken:
    """Thread-safe flag a front end sets; the scan checks it between batches."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        """Ask the work to stop at the next batch boundary."""
        self._event.set()

    @property
    def cancelled(self) -> bool:
        """Whether cancel() was called."""
        return self._event.is_set()


def finish(gen: Generator[Any, Any, T], each: Callable[[Any], None] | None = None) -> T:
    """Run a progress-yielding generator to its end and return what it returns (`each` sees every item)."""
    while True:
        try:
            item = next(gen)
            if each is not None:
                each(item)
        except StopIteration as stop:
            value: T = stop.value
            return value
