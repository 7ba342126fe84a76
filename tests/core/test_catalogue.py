"""Catalogues on the fake backend: every pair scanned, results written, a rerun resumes."""

from core.catalogue import format_matrix, manuscripts_in, run_catalogue
from core.model.fake import FakeBackend
from core.settings import ScanSettings, Thresholds
from tests.helpers.generators import drain

SONG = (
    "Down by the salt marsh the ferryman counted eleven herons, two broken oars, a widow in grey, "
    "and the lantern that swung from the prow like a slow green heart while the tide crept under "
    "the pilings and the town slept on behind its shutters, dreaming of mackerel and of rain."
)
# Short texts keep the test quick; the rule's "too short to judge" floor is lowered to match.
SETTINGS = ScanSettings(chunk_tokens=32, overlap_tokens=8, prefix_tokens=8, suffix_tokens=8,
                        thresholds=Thresholds(min_tokens=20))


def drive(gen):
    items, rows = drain(gen)
    return rows, [item for item in items if isinstance(item, str)]


def test_catalogue_scans_each_pair_and_resumes(tmp_path):
    works = tmp_path / "works"
    works.mkdir()
    (works / "a-song.txt").write_text("Opening words. " + SONG, encoding="utf-8")
    (works / "b-fresh.md").write_text("Nothing here was ever memorized by anyone at all, " * 8, encoding="utf-8")
    (works / "notes.bin").write_bytes(b"\x00\x01")
    models = {"knows-song": FakeBackend(memorized=(SONG,)), "knows-nothing": FakeBackend()}
    loads = []

    def load(spec):
        loads.append(spec)
        backend = models[spec]
        backend.info = backend.info.__class__(**{**backend.info.__dict__, "name": spec})
        return backend

    paths = manuscripts_in(works)
    assert [p.name for p in paths] == ["a-song.txt", "b-fresh.md"]
    rows, _ = drive(run_catalogue(paths, list(models), load, tmp_path / "out", SETTINGS))
    assert len(rows) == 4 and loads == ["knows-song", "knows-nothing"]
    verdicts = {(r.manuscript, r.model): r.verdict for r in rows}
    assert verdicts[("a-song.txt", "knows-song")] == "memorized"
    assert verdicts[("a-song.txt", "knows-nothing")] == "no-evidence"
    assert verdicts[("b-fresh.md", "knows-song")] == "no-evidence"
    assert len(list((tmp_path / "out").glob("*.json"))) == 4
    matrix = format_matrix(rows)
    assert "knows-song" in matrix.splitlines()[0] and "memorized" in matrix

    again, lines = drive(run_catalogue(paths, list(models), load, tmp_path / "out", SETTINGS))
    assert all(r.reused for r in again)
    assert sum("reusing" in line for line in lines) == 4
    assert [(r.manuscript, r.model, r.verdict) for r in again] == [(r.manuscript, r.model, r.verdict) for r in rows]


def test_catalogue_checks_every_other_model_against_the_reference(tmp_path):
    import dataclasses
    import hashlib

    from core.report.jsonio import read_json
    from core.results import ModelFile

    works = tmp_path / "works"
    works.mkdir()
    (works / "song.txt").write_text("Opening words. " + SONG, encoding="utf-8")
    memories = {"scanned": (SONG,), "old-model": (SONG,), "blank-model": ()}
    backends = {}
    loads = []

    def load(spec):
        loads.append(spec)
        if spec not in backends:
            backend = FakeBackend(memorized=memories[spec])
            backends[spec] = backend
            # Each model its own file hash, as real model files have (the fake's hash is of its memory).
            file = ModelFile(path=spec, sha256=hashlib.sha256(spec.encode()).hexdigest(), size_bytes=0)
            backend.info = dataclasses.replace(backend.info, name=spec, files=(file,))
        return backends[spec]

    out = tmp_path / "out"
    items, rows = drain(run_catalogue([works / "song.txt"], ["scanned", "old-model"], load, out, SETTINGS,
                                      reference="old-model"))
    stages = [("status", item) if isinstance(item, str) else ("progress", item.stage) for item in items]
    assert loads == ["old-model", "scanned"]  # the reference first (a bad name fails before any scan), once
    by_model = {r.model: r for r in rows}
    # The reference model knows the song too: the scanned model's long passage is contested (the declaration
    # is in doubt), so it neither counts nor is discounted, and the verdict stays inconclusive.
    assert by_model["scanned"].verdict == "inconclusive"
    record = read_json(by_model["scanned"].json_path).provenance["reference_model"]
    assert record["passages_contested"] >= 1
    assert by_model["old-model"].verdict == "memorized" and by_model["old-model"].set_aside_by_reference == 0
    # One status line per pair (front ends count pairs by them); the reference check reports progress.
    assert [x for kind, x in stages if kind == "status"] == ["song.txt x scanned: scanning",
                                                             "song.txt x old-model: scanning"]
    assert stages.index(("progress", "reference")) > stages.index(("status", "song.txt x scanned: scanning"))
    assert stages.index(("progress", "reference")) < stages.index(("status", "song.txt x old-model: scanning"))
    scanned = read_json(by_model["scanned"].json_path)
    assert scanned.provenance["reference_model"]["name"] == "old-model"
    assert all(p.common_phrase or p.contested for p in scanned.passages)
    assert "reference_model" not in read_json(by_model["old-model"].json_path).provenance

    # Same reference again: both pairs are reused. Another reference: the scanned model's pair is redone.
    again, _ = drive(run_catalogue([works / "song.txt"], ["scanned", "old-model"], load, out, SETTINGS,
                                   reference="old-model"))
    assert all(r.reused for r in again)
    other, _ = drive(run_catalogue([works / "song.txt"], ["scanned"], load, out, SETTINGS,
                                   reference="blank-model"))
    assert not other[0].reused and other[0].verdict == "memorized" and other[0].set_aside_by_reference == 0
    assert read_json(other[0].json_path).provenance["reference_model"]["name"] == "blank-model"


def test_a_generate_only_model_gets_coverage_not_measured_in_its_cells(tmp_path):
    works = tmp_path / "works"
    works.mkdir()
    (works / "a-song.txt").write_text("Opening words. " + SONG, encoding="utf-8")
    models = {"served": FakeBackend(memorized=(SONG,), can_score=False), "local": FakeBackend(memorized=(SONG,))}

    def load(spec):
        backend = models[spec]
        backend.info = backend.info.__class__(**{**backend.info.__dict__, "name": spec})
        return backend

    rows, _ = drive(run_catalogue(manuscripts_in(works), list(models), load, tmp_path / "out", SETTINGS))
    cells = {r.model: r for r in rows}
    assert cells["served"].coverage_1pct is None and cells["local"].coverage_1pct is not None
    assert cells["served"].verdict == cells["local"].verdict == "memorized"
    matrix = format_matrix(rows).splitlines()[1]
    assert "memorized (" in matrix and "tok, coverage n/a)" in matrix
    again, _ = drive(run_catalogue(manuscripts_in(works), list(models), load, tmp_path / "out", SETTINGS))
    assert all(r.reused for r in again) and {r.model: r.coverage_1pct for r in again}["served"] is None


def test_servers_of_the_same_weights_share_one_column_and_its_pairs(tmp_path):
    """Two URLs whose weights hash alike are one model: its pairs are spread over both, and a rerun resumes."""
    import dataclasses

    from core.report.jsonio import read_json
    from core.results import ModelFile

    works = tmp_path / "works"
    works.mkdir()
    for i in range(4):
        (works / f"{i}-song.txt").write_text(f"Opening words, part {i}. " + SONG, encoding="utf-8")
    same = ModelFile(path="served.gguf", sha256="ab" * 32, size_bytes=1)
    other = ModelFile(path="other.gguf", sha256="cd" * 32, size_bytes=1)
    files = {"http://a:1": same, "http://b:2": same, "http://c:3": other}
    loads = []

    def load(spec):
        loads.append(spec)
        # A delay per call, so that both endpoints are busy at once as servers are.
        backend = FakeBackend(memorized=(SONG,), delay_s=0.002)
        name = "other" if files[spec] is other else "served"
        backend.info = dataclasses.replace(backend.info, name=name, path=spec, files=(files[spec],))
        return backend

    out = tmp_path / "out"
    paths = manuscripts_in(works)
    settings = dataclasses.replace(SETTINGS, batch_size=1)  # one chunk per batch: the first pass reports often
    items, rows = drain(run_catalogue(paths, list(files), load, out, settings, controls=[]))
    lines = [item for item in items if isinstance(item, str)]
    assert loads == list(files)  # each server connected once
    assert "http://b:2 serves the same weights as http://a:1 (SHA-256 abababababab…): pairs are shared" in lines
    # Pairs run side by side, so each says when it starts and how far its first pass is, then when it is done.
    for p in paths:
        mine = [ln for ln in lines if ln.startswith(f"{p.name} x served")]
        assert mine[0].endswith(": scanning") and mine[-1].startswith(f"{p.name} x served: done on http://")
        quarters = [ln.rsplit(": ", 1)[1] for ln in mine[1:-1]]
        assert quarters and quarters == sorted(quarters) and len(set(quarters)) == len(quarters)
        assert set(quarters) <= {f"first pass {q} % done" for q in (25, 50, 75)}
    # Two columns: the weights served at a and b, then c's.
    assert len(rows) == 8 and [r.manuscript for r in rows[:4]] == [p.name for p in paths]
    assert {r.model for r in rows[:4]} == {"served"} and {r.model for r in rows[4:]} == {"other"}
    shared = [read_json(r.json_path) for r in rows[:4]]
    assert {res.model.path for res in shared} == {"http://a:1", "http://b:2"}  # both endpoints took pairs
    # c serves a model that knows the same text, alone: its column is what one endpoint finds.
    alone = [read_json(r.json_path) for r in rows[4:]]
    assert [r.verdict for r in rows[:4]] == [r.verdict for r in rows[4:]]
    assert [[(p.start_token, p.end_token, p.generated) for p in res.passages] for res in shared] == \
        [[(p.start_token, p.end_token, p.generated) for p in res.passages] for res in alone]
    assert all(res.passages for res in shared)
    again = drain(run_catalogue(paths, list(files), load, out, settings, controls=[]))[1]
    assert len(again) == 8 and all(r.reused for r in again)
