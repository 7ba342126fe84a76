"""What every `verbatim` command shares: the user-facing error, exit codes, status lines, progress bar.

A failure the user can cause ends in one sentence on stderr and exit status 2 (core.errors.describe
writes the sentence); long work is a core generator that this module drives, drawing a throttled
progress bar on stderr.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Generator
from typing import Any, NoReturn, Protocol, TypeVar

EXIT_BAD_INPUT = 2
EXIT_DIFFERS = 1
EXIT_CANCELLED = 130

T = TypeVar("T")


class CliError(Exception):
    """A user-facing failure: the message is printed as is."""


def fail(message: str) -> NoReturn:
    """Stop the command with one sentence for the user (exit status 2)."""
    raise CliError(message)


def status(message: str, quiet: bool) -> None:
    """A status line on stderr unless --quiet."""
    if not quiet:
        print(message, file=sys.stderr, flush=True)


class Progress(Protocol):
    """What the bar shows of a progress item (core.scan.progress.ScanProgress, ControlsProgress)."""

    @property
    def fraction(self) -> float: ...
    @property
    def message(self) -> str: ...
    @property
    def eta_s(self) -> float | None: ...
    @property
    def tokens_per_s(self) -> float: ...


class ProgressBar:
    """A throttled progress bar on stderr: redrawn in place on a terminal, a line every 5 s otherwise."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.tty = sys.stderr.isatty()
        self._last = 0.0
        self._drawn = False

    def show(self, progress: Progress) -> None:
        """Draw `progress`, unless the last one was drawn a moment ago."""
        now = time.monotonic()
        if self.quiet or now - self._last < (0.2 if self.tty else 5.0):
            return
        self._last = now
        width = 30
        filled = int(progress.fraction * width)
        eta = f", ETA {progress.eta_s:.0f} s" if progress.eta_s is not None else ""
        rate = f", {progress.tokens_per_s:,.0f} tok/s" if progress.tokens_per_s else ""
        line = f"[{'#' * filled}{'.' * (width - filled)}] {progress.fraction:4.0%} {progress.message}{rate}{eta}"
        print(("\r" + line.ljust(110)) if self.tty else line, end="" if self.tty else "\n", file=sys.stderr,
              flush=True)
        self._drawn = self.tty

    def end_line(self) -> None:
        """End a bar drawn in place, so the next line starts on its own."""
        if self._drawn:
            print(file=sys.stderr)
            self._drawn = False


def drive(gen: Generator[Any, None, T], quiet: bool) -> T:
    """Run a scan generator to its end, drawing its progress items as a bar."""
    bar = ProgressBar(quiet)
    while True:
        try:
            item = next(gen)
        except StopIteration as stop:
            bar.end_line()
            value: T = stop.value
            return value
        bar.show(item)
