"""Plain text: encodings detected and named, never silently dropped; normalizations recorded in order."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from ingest_helpers import FIXTURES

from core.ingest import IngestError, load_document

SAMPLE = (
    "\u201cThe previous keeper left in August,\u201d he said. The harbourmaster\u2019s caf\u00e9 was shut;\n"
    "nobody had climbed those stairs since, and the weather took care of the lamp.\n"
)


def write(tmp_path: Path, data: bytes, name: str = "m.txt") -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (SAMPLE.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + SAMPLE.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF16_LE + SAMPLE.encode("utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + SAMPLE.encode("utf-16-be"), "utf-16-be"),
        (codecs.BOM_UTF32_LE + SAMPLE.encode("utf-32-le"), "utf-32-le"),
    ],
)
def test_unicode_with_and_without_bom(tmp_path: Path, data: bytes, encoding: str) -> None:
    doc = load_document(write(tmp_path, data))
    assert doc.encoding == encoding
    assert doc.text == "\n\n".join(SAMPLE.strip().split("\n"))
    assert not any(n.startswith("decoded") for n in doc.normalizations)  # declared, not guessed


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_detected_and_recorded(tmp_path: Path, encoding: str) -> None:
    doc = load_document(write(tmp_path, SAMPLE.encode(encoding)))
    assert doc.encoding == encoding
    assert "\u201cThe previous keeper" in doc.text and "caf\u00e9" in doc.text
    assert f"decoded as {encoding} (detected, no byte-order mark)" in doc.normalizations


def test_cp1252_is_decoded_and_the_guess_recorded(tmp_path: Path) -> None:
    text = (FIXTURES / "expected.txt").read_text("utf-8")[:1500] + SAMPLE
    doc = load_document(write(tmp_path, text.encode("cp1252")))
    assert doc.encoding == "cp1252"
    assert doc.normalizations[0] == "decoded as cp1252 (detected)"
    assert "harbourmaster\u2019s caf\u00e9" in doc.text and "\u201cThe previous keeper" in doc.text


def test_undecodable_bytes_are_refused_naming_the_problem(tmp_path: Path) -> None:
    noise = bytes((i * 37 + 11) % 127 + 129 for i in range(3000))  # high bytes only, no language in them
    with pytest.raises(
        IngestError,
        match=r"not UTF-8 and its (text )?encoding (could not be recognised|is uncertain \(best guess \w+\))",
    ):
        load_document(write(tmp_path, noise))


def test_nul_bytes_in_non_utf16_data_are_refused(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="NUL bytes"):
        load_document(write(tmp_path, b"chapter one\x00\x00\x07\x00binary\xff\x00" * 50))


def test_normalizations_applied_and_recorded_in_order(tmp_path: Path) -> None:
    raw = "Cafe\u0301 \ufb01sh and \ufb02ounder, an extra\u00adordinary night.\r\nSecond line.\r\n"
    doc = load_document(write(tmp_path, raw.encode("utf-8")))
    assert doc.text == "Caf\u00e9 fish and flounder, an extraordinary night.\n\nSecond line."
    assert doc.normalizations == (
        "line endings converted to LF (2)",
        "Unicode NFC (1)",
        "ligatures expanded (\ufb01 -> fi) (2)",
        "soft hyphens removed (1)",
    )


def test_hard_wrapped_text_is_reflowed_and_dehyphenated(tmp_path: Path) -> None:
    words = "the keeper wrote every evening in the margin of the log " * 8
    lines, line = [], ""
    for w in words.split():
        if len(line) + len(w) > 60:
            lines.append(line)
            line = ""
        line = f"{line} {w}".strip()
    lines += [
        line + " and then the extra-",
        "ordinary light came on; a north-",
        "westerly wind, a north-westerly gale.",
    ]
    doc = load_document(write(tmp_path, "\n".join(lines).encode() + b"\n\nNext paragraph.\n"))
    para, nxt = doc.text.split("\n\n")
    assert "\n" not in para and nxt == "Next paragraph."
    assert "the extraordinary light" in para  # split word joined
    assert "a north-westerly wind, a north-westerly gale" in para  # compound seen elsewhere keeps its hyphen
    assert doc.normalizations == (
        "end-of-line hyphenation joined (1)",
        f"hard-wrapped lines reflowed ({len(lines) - 1})",
    )


def test_short_lines_are_not_reflowed(tmp_path: Path) -> None:
    poem = "The lamp is lit\nby no one's hand;\nthe sea keeps\nits counsel.\n\nSecond stanza\nends here.\n"
    doc = load_document(write(tmp_path, poem.encode()))
    assert (
        doc.text
        == "The lamp is lit\nby no one's hand;\nthe sea keeps\nits counsel.\n\nSecond stanza\nends here."
    )
    assert doc.normalizations == ()


def test_markdown_syntax_vanishes(tmp_path: Path) -> None:
    md = "# The Lamp\n\nIt was **very** _late_ and `cold`.[^n]\n\n- one\n- two\n\n[^n]: A note.\n"
    doc = load_document(write(tmp_path, md.encode(), "m.md"))
    assert doc.text == "The Lamp\n\nIt was very late and cold.\n\none\n\ntwo\n\nA note."


def test_html_drops_script_style_and_head(tmp_path: Path) -> None:
    html = (
        "<!DOCTYPE html><html><head><title>T</title><style>p{color:red}</style></head><body>"
        "<script>var secret = 1;</script><p>First  <b>para</b>graph,<br>new line.</p>"
        "<div hidden>hidden</div><noscript>enable js</noscript><p>Second&nbsp;one.</p></body></html>"
    )
    doc = load_document(write(tmp_path, html.encode(), "m.html"))
    assert doc.text == "First paragraph,\nnew line.\n\nSecond\u00a0one."
