"""`verbatim verify REPORT`: re-hash a report's inputs and replay its passages, saying what differs.

The report (PDF with the embedded JSON, or the JSON itself) lists the manuscript and every model
file with SHA-256, and for each passage the prompt and what the model generated. Greedy generation is
deterministic for the same model file, software and device, so replaying a prompt must give the same
text; a difference is named, never hidden.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from core.errors import UserError
from core.ingest import Document, load_document
from core.match.results import SCHEMA as MATCH_SCHEMA
from core.model.backend import Backend
from core.model.safety import sha256_file
from core.report.attach import extract_json
from core.report.jsonio import ResultFormatError, result_from_dict
from core.results import ModelInfo, Passage, ScanResult
from core.scan.triage import with_bos

Status = Literal["ok", "changed", "missing", "differs", "skipped"]
_BAD: frozenset[str] = frozenset({"changed", "missing", "differs"})

BackendLoader = Callable[[ModelInfo], Backend]
"""Loads the report's model (e.g. `lambda info: load_backend(info.path)`); slow, called at most once."""


@dataclass(frozen=True)
class Check:
    """One thing verify looked at, and what it found."""

    subject: str
    """"manuscript", "model file", "passage 3", ..."""
    status: Status
    detail: str
    """One sentence for the user, naming the file or passage."""

    def line(self) -> str:
        """The check as one line of output."""
        return f"{self.status.upper():8} {self.subject}: {self.detail}"


@dataclass(frozen=True)
class VerifyOutcome:
    """Everything verify checked; `ok` is False when anything changed, is missing or differs."""

    report: str
    result: ScanResult
    checks: tuple[Check, ...]
    replayed: int
    """Passages actually regenerated (0 when replay was skipped)."""

    @property
    def ok(self) -> bool:
        """True when no input changed or went missing and every replayed passage matched."""
        return not any(c.status in _BAD for c in self.checks)

    @property
    def problems(self) -> tuple[Check, ...]:
        """The checks that failed."""
        return tuple(c for c in self.checks if c.status in _BAD)

    def lines(self) -> list[str]:
        """Human-readable report, one line per check, then a summary line."""
        out = [c.line() for c in self.checks]
        verdict = "verified" if self.ok else f"{len(self.problems)} problem(s) found"
        out.append(f"{verdict}: {self.replayed} passage(s) replayed from {self.report}.")
        return out


def load_report(path: str | os.PathLike[str]) -> ScanResult:
    """The scan result from a PDF report (embedded JSON) or a result JSON file.

    A match report (schema verbatim.match/1) is refused in one sentence: it records no model and no
    prompts, so there is nothing to replay (its spans are re-found by running `verbatim match` again).
    """
    p = Path(path)
    with open(p, "rb") as fh:
        is_pdf = fh.read(5) == b"%PDF-"
    data = extract_json(p) if is_pdf else _json_object(p)
    if isinstance(data, dict) and data.get("schema") == MATCH_SCHEMA:
        raise UserError(
            f"{p.name} is a match report ({MATCH_SCHEMA}): it records no model or prompts to replay; "
            "run `verbatim match` on the same files again to reproduce it."
        )
    return result_from_dict(data)


def _json_object(p: Path) -> Any:
    try:
        return json.loads(p.read_bytes())
    except ValueError as exc:
        raise ResultFormatError(f"The scan result is not valid JSON: {exc}.") from exc


def _hash_check(subject: str, path: str, expected: str) -> Check:
    p = Path(path)
    if not p.exists():
        return Check(subject, "missing", f"{path} not found.")
    try:
        actual = sha256_file(p)
    except (OSError, ValueError) as exc:
        return Check(subject, "missing", f"{path} could not be read: {exc}")
    if actual != expected:
        return Check(
            subject, "changed", f"{path} changed: its SHA-256 is {actual}, the report says {expected}."
        )
    return Check(subject, "ok", f"{path} unchanged (SHA-256 {expected}).")


def _model_checks(model: ModelInfo) -> list[Check]:
    checks = []
    for f in model.files:
        if not os.path.isabs(f.path):
            checks.append(Check("model file", "skipped", f"{f.path} is not a file on disk."))
        else:
            checks.append(_hash_check("model file", f.path, f.sha256))
    if not model.files:
        checks.append(Check("model file", "skipped", "the report lists no model files."))
    return checks


def _reference_checks(result: ScanResult) -> list[Check]:
    """Re-hash the reference model's files when the common-phrase test used one (its verdict depends on it)."""
    record = result.provenance.get("reference_model")
    if not isinstance(record, dict):
        return []
    checks = []
    for f in record.get("files") or []:
        path, sha = str(f.get("path", "")), str(f.get("sha256", ""))
        if not os.path.isabs(path):
            checks.append(Check("reference model file", "skipped", f"{path} is not a file on disk."))
        else:
            checks.append(_hash_check("reference model file", path, sha))
    return checks


def _control_checks(result: ScanResult) -> list[Check]:
    """Re-hash the bundled control texts the statistics came from; other controls are named, not found.

    The report records each control's name and SHA-256; the bundled ones ship with Verbatim, so a
    different version of them (another release) is named. The author's own and other texts carry no
    path in the report, so they are listed as skipped.
    """
    if not result.controls:
        return []
    from core.evidence.controls import CONTROLS_DIR

    checks = []
    for c in result.controls:
        if c.kind == "bundled":
            checks.append(_hash_check(f"control {c.name}", str(CONTROLS_DIR / c.name), c.sha256))
        else:
            checks.append(Check(f"control {c.name}", "skipped",
                                f"a {c.kind} control text (SHA-256 {c.sha256}); the report records no path to re-hash."))
    return checks


def _choose(result: ScanResult, replay_all: bool, sample: int) -> list[tuple[int, Passage]]:
    """Passages to replay with their report numbers (strongest first, as the PDF numbers them)."""
    ordered = sorted(
        result.passages, key=lambda p: (p.common_phrase, -p.verbatim_tokens, -p.similarity, p.start_char)
    )
    numbered = list(enumerate(ordered, start=1))
    return numbered if replay_all else numbered[:sample]


def _first_difference(a: str, b: str) -> int:
    n = min(len(a), len(b))
    return next((i for i in range(n) if a[i] != b[i]), n)


def _replay(backend: Backend, p: Passage, prefix_tokens: int, ids: np.ndarray | None) -> tuple[str, str]:
    """Regenerate a passage; return (generated text, how the prompt was built)."""
    if ids is not None:
        prompt = ids[max(0, p.start_token - prefix_tokens) : p.start_token]
        how = "prompt cut from the re-tokenized manuscript"
    else:
        prompt = backend.tokenize(p.prompt).ids
        how = "prompt re-tokenized from the recorded prompt text (manuscript unavailable)"
    wanted = len(backend.tokenize(p.generated)) + 8
    out = backend.generate(with_bos(prompt[np.newaxis, :], backend.bos_id), wanted)[0]
    stop = np.flatnonzero(out < 0)
    out = out[: int(stop[0])] if stop.size else out
    return backend.decode(out), how


def _passage_check(number: int, p: Passage, replayed: str, how: str) -> Check:
    subject = f"passage {number}"
    where = f"characters {p.start_char:,}-{p.end_char:,}"
    if replayed.startswith(p.generated):
        return Check(
            subject, "ok", f"{where}: the model wrote the same {len(p.generated):,} characters ({how})."
        )
    k = _first_difference(replayed, p.generated)
    return Check(
        subject,
        "differs",
        f"{where}: differs from character {k}: the report has {p.generated[k : k + 40]!r}, "
        f"the model now wrote {replayed[k : k + 40]!r} ({how}).",
    )


def _reconstruction_check(result: ScanResult, backend: Backend, doc: Document | None) -> Check:
    """Replay `--reconstruct` (the same seeds, the same greedy generations) and compare every generation."""
    from core.reconstruct import options_from_record, reconstruct, replay_differences

    if doc is None:
        return Check("reconstruction", "skipped", "the scanned text could not be re-extracted, so the "
                     "reconstruction's seeds are unknown.")
    gen = reconstruct(doc.text, backend, options_from_record(result.reconstruction), doc.locations)
    while True:
        try:
            next(gen)
        except StopIteration as stop:
            replayed: dict[str, Any] = stop.value
            break
    problems = replay_differences(result.reconstruction, replayed)
    if problems:
        return Check("reconstruction", "differs", " ".join(problems))
    n = sum(len(c.get("segments", [])) for c in replayed.get("chapters", []))
    return Check("reconstruction", "ok", f"the model wrote the same {n} generation(s) of the "
                 f"{result.reconstruction.get('mode', '')} reconstruction ({replayed['generated_tokens']:,} tokens).")


def verify_report(
    path: str | os.PathLike[str],
    *,
    replay_all: bool = False,
    sample: int = 5,
    backend_loader: BackendLoader | None = None,
    document_loader: Callable[[str], Document] = load_document,
) -> VerifyOutcome:
    """Re-hash the report's manuscript and model files, then replay `sample` passages (or all).

    Without `backend_loader` only the hashes are checked. Replay is skipped when a model file changed
    or is missing: the result would say nothing about the model the report describes.
    """
    result = load_report(path)
    m = result.manuscript
    checks = [_hash_check("manuscript", m.path, m.sha256)]
    ids: np.ndarray | None = None
    text: str | None = None
    doc: Document | None = None
    if checks[0].status == "ok":
        try:
            doc = document_loader(m.path)
            text_ok = doc.text_sha256 == m.text_sha256
            text = doc.text if text_ok else None
            detail = (
                "re-extracted text matches the scanned text."
                if text_ok
                else f"re-extracted text differs from the scanned text (SHA-256 {doc.text_sha256}, report "
                f"says {m.text_sha256}): this version of Verbatim extracts the file differently."
            )
            checks.append(Check("scanned text", "ok" if text_ok else "changed", detail))
        except (OSError, ValueError) as exc:
            checks.append(Check("scanned text", "missing", f"{m.path} could not be read again: {exc}"))
    model_checks = _model_checks(result.model)
    checks.extend(model_checks)
    checks.extend(_reference_checks(result))
    checks.extend(_control_checks(result))
    replayed = 0
    chosen = _choose(result, replay_all, sample)
    loaded: list[Backend] = []

    def backend_once() -> Backend:
        assert backend_loader is not None
        if not loaded:
            loaded.append(backend_loader(result.model))
        return loaded[0]

    if backend_loader is None:
        checks.append(Check("replay", "skipped", "no model loader given; only hashes were checked."))
    elif any(c.status in _BAD for c in model_checks):
        checks.append(
            Check("replay", "skipped", "a model file changed or is missing, so replay would not test it.")
        )
    elif not chosen and not result.reconstruction:
        checks.append(Check("replay", "skipped", "the report lists no passages."))
    else:
        backend = backend_once()
        if text is not None:
            ids = backend.tokenize(text).ids
        prefix = int(result.settings.get("prefix_tokens", 50))
        for number, p in chosen:
            generated, how = _replay(backend, p, prefix, ids)
            checks.append(_passage_check(number, p, generated, how))
            replayed += 1
        if result.reconstruction:
            checks.append(_reconstruction_check(result, backend, doc if text is not None else None))
        if len(chosen) < len(result.passages):
            checks.append(
                Check(
                    "replay",
                    "skipped",
                    f"{len(result.passages) - len(chosen)} weaker passage(s) not replayed (use --all).",
                )
            )
    if result.chat and backend_loader is not None and not any(c.status in _BAD for c in model_checks):
        checks.extend(_chat_checks(result.chat, backend_once()))
    return VerifyOutcome(report=str(path), result=result, checks=tuple(checks), replayed=replayed)


def _chat_checks(chat: dict[str, Any], backend: Backend) -> list[Check]:
    """Replay every chat probe through the model's template; the template must be the report's."""
    from core.chatprobe.probes import model_template, replay_probe

    try:
        template = model_template(backend)
    except UserError as exc:
        return [Check("chat template", "missing", str(exc))]
    if template.sha256 != chat.get("template_sha256"):
        return [Check("chat template", "changed", f"the model's template ({template.source}) has SHA-256 "
                      f"{template.sha256}, the report says {chat.get('template_sha256')}; probes not replayed.")]
    checks = [Check("chat template", "ok", f"{template.source}: the same SHA-256 as the report.")]
    for n, probe in enumerate(chat.get("probes", ()), start=1):
        replayed, recorded = replay_probe(backend, template, probe), str(probe["generated"])
        if replayed == recorded:
            checks.append(Check(f"chat probe {n}", "ok", f"{probe['kind']}: the model answered the same "
                                f"{len(recorded):,} characters through its chat template."))
        else:
            k = _first_difference(replayed, recorded)
            checks.append(Check(f"chat probe {n}", "differs", f"{probe['kind']}: differs from character {k}: "
                                f"the report has {recorded[k : k + 40]!r}, the model now wrote "
                                f"{replayed[k : k + 40]!r}."))
    return checks
