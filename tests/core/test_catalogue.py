"""Catalogues on the fake backend: every pair scanned, results written, a rerun resumes."""

from core.catalogue import format_matrix, manuscripts_in, run_catalogue
from core.model.fake import FakeBackend
from core.settings import ScanSettings

SONG = (
    "Down by the salt marsh the ferryman counted eleven herons, two broken oars, a widow in grey, "
    "and the lantern that swung from the prow like a slow green heart while the tide crept under "
    "the pilings and the town slept on behind its shutters, dreaming of mackerel and of rain."
)
SETTINGS = ScanSettings(chunk_tokens=32, overlap_tokens=8, prefix_tokens=8, suffix_tokens=8)


def drive(gen):
    lines = []
    while True:
        try:
            item = next(gen)
        except StopIteration as stop:
            return stop.value, lines
        if isinstance(item, str):
            lines.append(item)


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
