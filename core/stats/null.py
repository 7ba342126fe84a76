"""The chance model: how often this model reproduces a run of L tokens of text it has never seen.

Fitted per scan from the same model's triage pass over never-published text (the controls, scanned
exactly like the manuscript). The data are maximal runs of *evidential* greedy hits: positions where
the model's top token is the author's token and the token could not be copied from the text before it
(core.scan.windows.context_copy_mask).

The model, in two numbers and checked against the data:

- r: how often, per scored token, a run reaches k0 tokens (k0 is the longest length at which at least
  MIN_RUNS runs were observed, so r is measured, not extrapolated);
- q: the probability that a run of at least k0 tokens goes on for one more token (a geometric tail,
  fitted by maximum likelihood on the runs that reached k0).

Expected chance runs of L >= k0 tokens in a never-seen work of N scored tokens: N * r * q**(L - k0);
below k0 the observed rate is used directly. The chance that at least one such run occurs anywhere in
the work (family-wise over the whole work, runs as a Poisson process) is 1 - exp(-expected).

Honest uncertainty: a verdict uses upper bounds, never point estimates. r's bound is Garwood's exact
Poisson bound on the count of runs that reached k0; q's is the Clopper-Pearson bound of the continuation
proportion, taken as the largest such bound over every k >= k0 with at least MIN_TAIL_RUNS runs, so a
tail heavier than geometric (boilerplate that runs on once it starts) raises the bound instead of
hiding under the fit. `tail_check` lists observed against expected counts at each length, and the
calibration (bench/calibrate.py) validates the expected counts on held-out never-published text.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from core.errors import UserError

MIN_RUNS = 20
"""k0 is the longest run length reached by at least this many control runs."""

MIN_TAIL_RUNS = 5
"""Continuation bounds are taken at every length reached by at least this many runs."""

CONFIDENCE = 0.95
"""Two-sided level of every interval; the upper bounds are the one-sided 97.5 % bounds."""


def _beta_ppf(q: float, a: float, b: float) -> float:
    from scipy.stats import beta

    return float(beta.ppf(q, a, b))


def _chi2_ppf(q: float, df: float) -> float:
    from scipy.stats import chi2

    return float(chi2.ppf(q, df))


def poisson_bounds(count: int, level: float = CONFIDENCE) -> tuple[float, float]:
    """Garwood's exact two-sided interval for a Poisson mean from one observed count."""
    tail = (1 - level) / 2
    low = 0.0 if count == 0 else _chi2_ppf(tail, 2 * count) / 2
    high = _chi2_ppf(1 - tail, 2 * count + 2) / 2
    return low, high


def proportion_bounds(successes: int, trials: int, level: float = CONFIDENCE) -> tuple[float, float]:
    """Clopper-Pearson exact two-sided interval for a binomial proportion."""
    if trials <= 0:
        return 0.0, 1.0
    tail = (1 - level) / 2
    low = 0.0 if successes == 0 else _beta_ppf(tail, successes, trials - successes + 1)
    high = 1.0 if successes == trials else _beta_ppf(1 - tail, successes + 1, trials - successes)
    return low, high


def pooled_histogram(histograms: Sequence[Mapping[int, int] | Mapping[str, int]]) -> dict[int, int]:
    """Sum run-length histograms (JSON keys are strings, so both are accepted)."""
    out: dict[int, int] = {}
    for h in histograms:
        for k, v in h.items():
            out[int(k)] = out.get(int(k), 0) + int(v)
    return dict(sorted(out.items()))


def _reaching(hist: Mapping[int, int], k: int) -> int:
    """Runs of at least k tokens."""
    return sum(c for length, c in hist.items() if length >= k)


def _continuations(hist: Mapping[int, int], k: int) -> tuple[int, int]:
    """(tokens past k in runs reaching k, runs reaching k): the geometric tail's successes and stops."""
    successes = sum((length - k) * c for length, c in hist.items() if length >= k)
    return successes, _reaching(hist, k)


@dataclass(frozen=True)
class NullModel:
    """A fitted chance model for one model (see the module docstring for what each number means)."""

    source: str
    """Which never-published texts it was fitted on, in words."""
    texts: int
    tokens: int
    """Scored tokens of never-published text behind the fit."""
    histogram: dict[int, int]
    """Maximal evidential runs by length, pooled over the texts."""
    k0: int
    rate: float
    """r: runs reaching k0 per scored token (point estimate)."""
    rate_upper: float
    q: float
    """Continuation probability past k0 (point estimate)."""
    q_upper: float

    @classmethod
    def fit(cls, histograms: Sequence[Mapping[int, int] | Mapping[str, int]], tokens: int, source: str) -> NullModel:
        """Fit r and q to pooled run histograms over `tokens` scored never-published tokens."""
        hist = pooled_histogram(histograms)
        if tokens <= 0:
            raise UserError("A chance model needs never-published text: no control tokens were scored.")
        longest = max(hist, default=0)
        k0 = 1
        for k in range(1, longest + 1):
            if _reaching(hist, k) >= MIN_RUNS:
                k0 = k
        reached = _reaching(hist, k0)
        rate = reached / tokens
        rate_upper = poisson_bounds(reached)[1] / tokens
        successes, stops = _continuations(hist, k0)
        q = successes / (successes + stops) if successes + stops else 0.0
        q_upper = proportion_bounds(successes, successes + stops)[1]
        for k in range(k0 + 1, longest + 1):
            s, f = _continuations(hist, k)
            if f >= MIN_TAIL_RUNS:
                q_upper = max(q_upper, proportion_bounds(s, s + f)[1])
        return cls(source, len(histograms), tokens, hist, k0, rate, rate_upper, q, q_upper)

    def expected(self, length: int, tokens: int, upper: bool = False) -> float:
        """Expected chance runs of at least `length` tokens in a never-seen work of `tokens` tokens."""
        if length <= 0:
            return float(tokens)
        if length < self.k0:
            count = _reaching(self.histogram, length)
            per_token = (poisson_bounds(count)[1] if upper else count) / self.tokens
            return tokens * per_token
        rate, q = (self.rate_upper, self.q_upper) if upper else (self.rate, self.q)
        return tokens * rate * q ** (length - self.k0)

    def expected_interval(self, length: int, tokens: int) -> tuple[float, float, float]:
        """(lower, point, upper) expected chance runs of at least `length` tokens in `tokens` tokens."""
        point = self.expected(length, tokens)
        upper = self.expected(length, tokens, upper=True)
        if length < self.k0:
            low = poisson_bounds(_reaching(self.histogram, length))[0] / self.tokens * tokens
        else:
            successes, stops = _continuations(self.histogram, self.k0)
            q_low = proportion_bounds(successes, successes + stops)[0]
            low = tokens * poisson_bounds(_reaching(self.histogram, self.k0))[0] / self.tokens * q_low ** (
                length - self.k0
            )
        return low, point, upper

    def chance_p(self, length: int, tokens: int) -> float:
        """Probability (upper bound) of a chance run of at least `length` tokens in a `tokens`-token work.

        Family-wise over the whole never-seen work: 1 - exp(-expected runs), with the bounds of r and q.
        """
        return -math.expm1(-self.expected(length, tokens, upper=True))

    def tail_check(self, lengths: Sequence[int] | None = None) -> list[dict[str, float]]:
        """Observed runs of at least k tokens in the fitted texts beside the model's expectation."""
        longest = max(self.histogram, default=0)
        ks = lengths if lengths is not None else range(self.k0, max(self.k0, longest) + 1)
        return [
            {"length": k, "observed": _reaching(self.histogram, k),
             "expected": round(self.expected(k, self.tokens), 3)}
            for k in ks
        ]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record, with the fitted numbers and the check of the tail."""
        return {
            "method": (
                "maximal runs of greedy hits not copyable from context, in never-published text scanned like "
                "the manuscript; geometric tail past k0; upper bounds (Garwood for r, Clopper-Pearson for q) "
                "used for chance_p"
            ),
            "source": self.source,
            "texts": self.texts,
            "tokens": self.tokens,
            "histogram": {str(k): v for k, v in self.histogram.items()},
            "k0": self.k0,
            "rate": self.rate,
            "rate_upper": self.rate_upper,
            "q": self.q,
            "q_upper": self.q_upper,
            "confidence": CONFIDENCE,
            "tail_check": self.tail_check(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> NullModel:
        """Inverse of to_dict (derived fields are recomputed, not trusted)."""
        return cls(
            source=str(data["source"]),
            texts=int(data["texts"]),
            tokens=int(data["tokens"]),
            histogram=pooled_histogram([data["histogram"]]),
            k0=int(data["k0"]),
            rate=float(data["rate"]),
            rate_upper=float(data["rate_upper"]),
            q=float(data["q"]),
            q_upper=float(data["q_upper"]),
        )
