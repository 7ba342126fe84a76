"""Fuzz ingest for a while: damaged real files of every format fed to load_document.

    python scripts/fuzz_ingest.py --minutes 5 [--seed 1] [--out fuzz-out]

Every input must give a Document or an IngestError. Anything else is a crash: its input is saved to
OUT/crash-*.<ext> with the traceback beside it. A case that takes longer than --hang-s ends the run
with the stack dumped (faulthandler) and the input left at OUT/current.<ext>. The last line is a JSON
summary per format (tried, read, refused, crashes) and the peak memory of the process.
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import random
import resource
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "core")]

from hardening import mutate  # noqa: E402

from core.ingest import IngestError, load_document  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--minutes", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--out", type=Path, default=Path("fuzz-out"))
    ap.add_argument("--hang-s", type=float, default=60.0)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    stats: dict[str, Counter[str]] = {k: Counter() for k in mutate.KINDS}
    slowest = (0.0, "")
    deadline = time.monotonic() + args.minutes * 60
    case = 0
    while time.monotonic() < deadline:
        kind = mutate.KINDS[case % len(mutate.KINDS)]
        name, data = mutate.mutant(kind, rng)
        current = args.out / f"current.{kind}"
        current.write_bytes(data)
        faulthandler.dump_traceback_later(args.hang_s, exit=True)
        t = time.perf_counter()
        try:
            load_document(current)
            stats[kind]["read"] += 1
        except IngestError:
            stats[kind]["refused"] += 1
        except Exception:  # noqa: BLE001 - any other exception is the finding
            stats[kind]["crashes"] += 1
            crash = args.out / f"crash-{case}.{kind}"
            crash.write_bytes(data)
            crash.with_suffix(crash.suffix + ".txt").write_text(traceback.format_exc())
            print(f"CRASH {crash}: {traceback.format_exc().splitlines()[-1]}", flush=True)
        finally:
            faulthandler.cancel_dump_traceback_later()
        took = time.perf_counter() - t
        if took > slowest[0]:
            slowest = (took, f"{kind} case {case}")
        stats[kind]["tried"] += 1
        case += 1
    for leftover in args.out.glob("current.*"):
        leftover.unlink()
    summary = {
        "seed": args.seed,
        "minutes": args.minutes,
        "per_format": {k: dict(v) for k, v in stats.items()},
        "tried": sum(v["tried"] for v in stats.values()),
        "crashes": sum(v["crashes"] for v in stats.values()),
        "hangs": 0,  # a hang ends the run before this line (faulthandler exit)
        "slowest_case_s": round(slowest[0], 3),
        "slowest_case": slowest[1],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }
    print(json.dumps(summary))
    return 1 if summary["crashes"] else 0


if __name__ == "__main__":
    sys.exit(main())
