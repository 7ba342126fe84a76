"""The statistics of evidence: pure functions of counts and score arrays, with no model and no scan.

The chance model (null.py), block permutation tests (blocks.py), membership scores (membership.py)
and the verdict rule built on them (verdict.py). The scan (core.scan) uses them for its first verdict;
the controls and the reference test (core.evidence) use them again once those have run.
"""
