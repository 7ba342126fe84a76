"""Frozen entry point of `verbatim` (PyInstaller runs this file as __main__)."""

import multiprocessing
import sys

if __name__ == "__main__":
    # Documents are read in a spawned worker process; in a frozen app the child re-runs this
    # executable, and freeze_support() turns it into the worker instead of a second CLI run.
    multiprocessing.freeze_support()
    from cli.main import main

    sys.exit(main())
