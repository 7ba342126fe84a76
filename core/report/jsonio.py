"""The JSON form of a ScanResult (schema "verbatim.scan/2"), its inverse, and an atomic writer.

Schema 2 added the chance model (`null_model`, `passages[].chance_p`, `summary.expected_chance_passages`),
context copies, contested passages and block statistics; schema 1 reports are still read (their missing
fields take the dataclasses' defaults), so `verbatim verify` replays them.

The JSON is the evidence; the PDF is rendered from the same result and carries this JSON inside.
Field names follow the contract in docs/design.md §5. Derived values a reader of the JSON alone needs are
added (`model.sha256`, `passages[].queries_for_half`) and ignored on the way back. Non-finite numbers are
written as null (strict JSON has no NaN) and read back as NaN. The scanned text itself is not written.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from pathlib import Path
from typing import Any, TypeVar

from core.atomic import atomic_write_bytes
from core.errors import UserError
from core.results import (
    OLD_SCHEMAS,
    SCHEMA,
    ControlResult,
    ManuscriptInfo,
    Membership,
    ModelFile,
    ModelInfo,
    Passage,
    ScanResult,
    Summary,
    split_backend_label,
)

T = TypeVar("T")


class ResultFormatError(UserError):
    """A JSON document that is not a readable Verbatim scan result; the message says what is wrong."""


def _plain(value: Any) -> Any:
    """JSON-ready copy: tuples become lists, non-finite floats become None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _record(obj: Any) -> dict[str, Any]:
    """A frozen dataclass as a plain dict."""
    return {f.name: _plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}


def _passage_dict(p: Passage) -> dict[str, Any]:
    data = _record(p)
    data["queries_for_half"] = p.queries_for_half
    return data


def _model_dict(m: ModelInfo) -> dict[str, Any]:
    data = _record(m)
    data["backend"] = m.backend_label  # the id and its note in one string, as the JSON has always had it
    del data["backend_note"]
    data["sha256"] = m.sha256
    data["files"] = [_record(f) for f in m.files]
    return data


_NOT_WRITTEN = frozenset({"text"})


def result_to_dict(result: ScanResult) -> dict[str, Any]:
    """The result as docs/design.md §5's JSON contract (plain dicts, lists, str, int, float, bool, None)."""
    out = _contract(result)
    # Fields added to ScanResult later travel too, so the JSON never silently drops evidence.
    for f in dataclasses.fields(result):
        if f.name not in out and f.name not in _NOT_WRITTEN:
            out[f.name] = _plain(getattr(result, f.name))
    return out


def _contract(result: ScanResult) -> dict[str, Any]:
    return {
        "schema": result.schema,
        "manuscript": _record(result.manuscript),
        "model": _model_dict(result.model),
        "settings": _plain(result.settings),
        "summary": _record(result.summary),
        "passages": [_passage_dict(p) for p in result.passages],
        "controls": [_record(c) for c in result.controls],
        "statistics": _plain(result.statistics),
        "membership": None if result.membership is None else _record(result.membership),
        "heatmap": _plain(result.heatmap),
        "complete": result.complete,
        "positions_scored": result.positions_scored,
        "positions_total": result.positions_total,
        "provenance": _plain(result.provenance),
    }


def result_to_json(result: ScanResult) -> str:
    """Strict JSON text (UTF-8 characters kept, two-space indent, trailing newline)."""
    return json.dumps(result_to_dict(result), ensure_ascii=False, allow_nan=False, indent=2) + "\n"


def write_json(result: ScanResult, path: str | os.PathLike[str]) -> None:
    """Write the result's JSON to `path` atomically."""
    atomic_write_bytes(path, result_to_json(result).encode("utf-8"))


def _section(data: dict[str, Any], key: str) -> Any:
    if key not in data:
        raise ResultFormatError(f"The scan result has no '{key}' field.")
    return data[key]


def _float(value: Any) -> float:
    return math.nan if value is None else float(value)


def _build(cls: type[T], data: Any, where: str, convert: dict[str, Any] | None = None) -> T:
    """Construct dataclass `cls` from `data`, ignoring unknown keys, converting named fields."""
    if not isinstance(data, dict):
        raise ResultFormatError(f"'{where}' in the scan result is not an object.")
    convert = convert or {}
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ResultFormatError(f"'{where}' in the scan result lacks '{f.name}'.")
            continue
        value = data[f.name]
        kwargs[f.name] = convert[f.name](value) if f.name in convert else value
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise ResultFormatError(f"'{where}' in the scan result is malformed: {exc}.") from exc


def _spans(value: Any) -> tuple[tuple[int, int], ...]:
    return tuple((int(a), int(b)) for a, b in value)


_PASSAGE_FLOATS = ("similarity", "p_extract", "p_extract_untruncated")


def _passage(data: Any, i: int) -> Passage:
    convert: dict[str, Any] = {"original_spans": _spans, "generated_spans": _spans}
    convert.update(dict.fromkeys(_PASSAGE_FLOATS, _float))
    return _build(Passage, data, f"passages[{i}]", convert)


def _model(data: Any) -> ModelInfo:
    def files(value: Any) -> tuple[ModelFile, ...]:
        return tuple(_build(ModelFile, f, f"model.files[{i}]") for i, f in enumerate(value))

    if isinstance(data, dict) and isinstance(data.get("backend"), str):
        try:
            backend, note = split_backend_label(data["backend"])
        except ValueError as exc:
            raise ResultFormatError(f"'model' in the scan result names an {exc}.") from exc
        data = {**data, "backend": backend, "backend_note": note}
    return _build(ModelInfo, data, "model", {"files": files})


def result_from_dict(data: dict[str, Any]) -> ScanResult:
    """Inverse of result_to_dict; ResultFormatError when the document is not a scan result."""
    if not isinstance(data, dict):
        raise ResultFormatError("The scan result is not a JSON object.")
    schema = data.get("schema")
    if schema != SCHEMA and schema not in OLD_SCHEMAS:
        raise ResultFormatError(f"Not a Verbatim scan result: schema is {schema!r}, expected {SCHEMA!r}.")
    membership = _section(data, "membership")
    summary = _build(
        Summary,
        _section(data, "summary"),
        "summary",
        {
            "score": _float,
            "verbatim_token_share": _float,
            "coverage": lambda c: {k: _float(v) for k, v in c.items()},
            "expected_chance_interval": lambda v: None if v is None else (float(v[0]), float(v[1])),
        },
    )
    return ScanResult(
        schema=schema,
        manuscript=_build(
            ManuscriptInfo, _section(data, "manuscript"), "manuscript", {"normalizations": tuple}
        ),
        model=_model(_section(data, "model")),
        settings=dict(_section(data, "settings")),
        summary=summary,
        passages=tuple(_passage(p, i) for i, p in enumerate(_section(data, "passages"))),
        membership=None
        if membership is None
        else _build(
            Membership,
            membership,
            "membership",
            dict.fromkeys(("loss", "zlib_ratio", "min_k", "min_k_pp"), _float),
        ),
        heatmap=tuple(_float(v) for v in _section(data, "heatmap")),
        complete=bool(_section(data, "complete")),
        positions_scored=int(_section(data, "positions_scored")),
        positions_total=int(_section(data, "positions_total")),
        provenance=dict(_section(data, "provenance")),
        controls=tuple(_control(c, i) for i, c in enumerate(data.get("controls", []))),
        statistics=dict(data.get("statistics") or {}),
        **_extra_fields(data),
    )


def _control(data: Any, i: int) -> ControlResult:
    floats = lambda v: tuple(_float(x) for x in v)  # noqa: E731
    return _build(ControlResult, data, f"controls[{i}]", {
        "block_share": floats, "block_min_k_pp": floats, "passage_evidence": lambda v: tuple(int(x) for x in v),
    })


_HANDLED = frozenset(
    {"schema", "manuscript", "model", "settings", "summary", "passages", "membership", "heatmap", "complete"}
    | {"positions_scored", "positions_total", "provenance", "controls", "statistics"}
    | _NOT_WRITTEN
)


def _tuples(value: Any) -> Any:
    """JSON lists back to tuples (the dataclasses hold tuples), dicts kept."""
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value


def _extra_fields(data: dict[str, Any]) -> dict[str, Any]:
    """Simple ScanResult fields beyond the original contract (e.g. window_scores), when present."""
    out = {
        f.name: _tuples(data[f.name])
        for f in dataclasses.fields(ScanResult)
        if f.name not in _HANDLED and f.name in data
    }
    if "block_min_k_pp" in out:
        out["block_min_k_pp"] = tuple(_float(v) for v in out["block_min_k_pp"])
    return out


def result_from_json(text: str | bytes) -> ScanResult:
    """Parse JSON text into a ScanResult; ResultFormatError on invalid JSON or schema."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ResultFormatError(f"The scan result is not valid JSON: {exc}.") from exc
    return result_from_dict(data)


def read_json(path: str | os.PathLike[str]) -> ScanResult:
    """Read a result JSON file written by write_json."""
    return result_from_json(Path(path).read_bytes())
