"""Start-up time to window visible: run a GUI command in smoke mode N times and print the median.

    python packaging/measure_startup.py dist/verbatim/verbatim-gui
    python packaging/measure_startup.py .venv/bin/verbatim gui

Each run starts the program offscreen with VERBATIM_SMOKE_SCREENSHOT set, so it shows the window,
saves a screenshot once the event loop has drawn it, closes and exits; the time is from process start
to exit, an upper bound on the time to a visible window. One untimed run first warms the disk cache;
every run gets the same fresh, empty home (the first-run welcome page is what a new user sees).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 5


def one_run(cmd: list[str], home: Path) -> float:
    """Seconds from starting `cmd` in smoke mode until it exits; fails if it showed no window."""
    shot = home / "window.png"
    shot.unlink(missing_ok=True)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "QT_QPA_PLATFORM": "offscreen",
        "VERBATIM_SMOKE_SCREENSHOT": str(shot),
        "LANG": "C.UTF-8",
    }
    start = time.perf_counter()
    subprocess.run(cmd, env=env, cwd=home, check=True, timeout=120, capture_output=True)
    elapsed = time.perf_counter() - start
    if not shot.is_file():
        raise SystemExit(f"{' '.join(cmd)} exited without showing its window.")
    return elapsed


def main() -> int:
    """Warm up once, time RUNS runs, print the median."""
    cmd = [str(Path(sys.argv[1]).resolve()), *sys.argv[2:]]
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        one_run(cmd, home)  # warm the disk cache
        times = [one_run(cmd, home) for _ in range(RUNS)]
    print(f"{' '.join(sys.argv[1:])}: median {statistics.median(times):.2f} s over {RUNS} runs "
          f"({', '.join(f'{t:.2f}' for t in times)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
