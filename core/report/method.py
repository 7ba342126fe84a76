"""How the scan works and how to check it: the method and limitations, verification, provenance.

The method's wording comes from core.report.wording; the provenance lists every input's hash, the
software, the machine, the times and every setting, so a reader can reproduce the scan.
"""

from __future__ import annotations

from core.generate_only import is_generate_only
from core.report import wording
from core.report.style import Layout, e, flatten, kv_table, mono, scalar, two_columns
from core.results import ScanResult
from core.settings import ScanSettings


def method_section(result: ScanResult | None = None) -> str:
    """How the scan works and what it cannot show, in plain words (with the reference-model test if used)."""
    method, limitations = list(wording.METHOD), list(wording.LIMITATIONS)
    if result is not None and is_generate_only(result):
        first_step, limit = wording.generate_only_sentences(ScanSettings.from_dict(result.settings))
        method = [first_step] + [m for m in method[1:] if m != wording.STANDARD_PROTOCOL]
        limitations.insert(0, limit)
    if result is not None:
        method.append(wording.verdict_rule(ScanSettings.from_dict(result.settings)))
        method.append(wording.chance_sentence(result))
    record = result.provenance.get("reference_model") if result is not None else None
    if isinstance(record, dict):
        extra_method, extra_limit = wording.reference_sentences(record)
        method.insert(method.index(wording.SWAPPED_CONTEXT) + 1, extra_method)
        limitations.append(extra_limit)
    return (
        "<h2>Method</h2>"
        + "".join(f"<p>{e(t)}</p>" for t in method)
        + "<h2>Limitations</h2><ul>"
        + "".join(f"<li>{e(t)}</li>" for t in limitations)
        + "</ul>"
    )


def provenance_section(result: ScanResult, layout: Layout) -> str:
    """Hashes and sizes of every input, versions, device, every setting, UTC times."""
    m, mod = result.manuscript, result.model
    text_hash = (
        mono(m.text_sha256) + '<br/><span class="caption">UTF-8 of the normalized text, '
        "as printed by <i>verbatim extract</i></span>"
    )
    work = [
        ("Path", e(m.path)),
        ("File SHA-256", mono(m.sha256)),
        ("File size", e(wording.size(m.size_bytes))),
        ("Scanned text SHA-256", text_hash),
        ("Scanned text", f"{m.characters:,} characters, {m.tokens:,} tokens"),
        ("Format, encoding", f"{e(m.format)}, {e(m.encoding)}"),
        ("Normalizations", e("; ".join(m.normalizations) or "none")),
        ("Positions scored", f"{result.positions_scored:,} of {result.positions_total:,}"),
        ("Scan complete", "yes" if result.complete else "<b>no — cancelled</b>"),
    ]
    model = [
        ("Name", e(mod.name)),
        ("Path", e(mod.path)),
        ("Format, quantization", f"{e(mod.format)}, {e(mod.quantization or 'not quantized')}"),
        ("Parameters", f"{mod.parameters:,}" if mod.parameters else "unknown"),
        ("Backend, tokenizer", f"{e(mod.backend_label)}, {e(mod.tokenizer or 'not recorded')}"),
        ("Device, dtype", f"{e(mod.device)}, {e(mod.dtype)}"),
    ]
    model += [
        (f"File {i + 1}", f"{e(f.path)}<br/>{mono(f.sha256)} · {e(wording.size(f.size_bytes))}")
        for i, f in enumerate(mod.files)
    ]
    times = [(k, e(wording.utc(v))) for k, v in result.provenance.items() if k.endswith("_utc")]
    rest = [(k, scalar(v)) for k, v in flatten(result.provenance) if not k.endswith("_utc")]
    settings = [(k, scalar(v)) for k, v in flatten(result.settings)]
    return (
        '<h2 style="page-break-before: always">Provenance</h2>'
        "<p>Everything needed to reproduce this scan and to check that its inputs are unchanged.</p>"
        + "<h3>The work</h3>"
        + kv_table(work, layout, "24%")
        + "<h3>The model</h3>"
        + kv_table(model, layout, "24%")
        + "<h3>Software, machine and time</h3>"
        + two_columns(times + rest, layout, "48%")
        + "<h3>Settings</h3>"
        + two_columns(settings, layout, "62%")
    )


def verify_section(layout: Layout) -> str:
    """How a reader checks this report independently."""
    return (
        "<h2>How to verify this report</h2>"
        "<p>This PDF carries the complete scan result as an attached file, "
        '<span class="mono">verbatim-result.json</span> (open your PDF reader\'s attachments panel). '
        "Anyone with the manuscript and the model file can check it:</p><ol>"
        '<li>Run <span class="mono">verbatim verify REPORT.pdf</span>. It re-computes the SHA-256 of the '
        "manuscript and of every model file listed above and says which, if any, differ.</li>"
        "<li>It then loads the model and replays the listed passages: it gives the model each prompt, "
        "lets it write greedily, and compares the output with the model's output recorded here.</li>"
        "<li>Greedy generation is deterministic for a given model file, software version and device, "
        "so on the same setup every passage must come out identically; it names any that do not.</li>"
        "</ol>"
    )
