"""Bad and hostile documents: one clear sentence each, refused before anything expands or is fetched."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pypdf
import pytest
from ingest_helpers import FIXTURES, make_zip, point_all_entries_at_first, replace_member, set_encrypted_flag

from core.ingest import IngestError, limits, load_document


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def refused(path: Path, pattern: str) -> str:
    with pytest.raises(IngestError, match=pattern) as info:
        load_document(path)
    message = str(info.value)
    assert message.count(". ") == 0 and message.endswith("."), "one sentence for the user"
    return message


@pytest.mark.parametrize("data", [b"", b"  \n\t\r\n  "])
def test_empty_file(tmp_path: Path, data: bytes) -> None:
    refused(write(tmp_path, "empty.txt", data), r"^empty\.txt contains no text\.$")


def test_empty_docx_body(tmp_path: Path) -> None:
    body = b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body/></w:document>'
    notes = b'<w:footnotes xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>'
    step = write(tmp_path, "step.docx", replace_member(FIXTURES / "known.docx", "word/document.xml", body))
    data = replace_member(step, "word/footnotes.xml", notes)
    refused(write(tmp_path, "blank.docx", data), r"^blank\.docx contains no text\.$")


def test_image_only_pdf(tmp_path: Path) -> None:
    refused(FIXTURES / "scanned.pdf", r"^scanned\.pdf has no text layer")


def test_password_protected_pdf(tmp_path: Path) -> None:
    writer = pypdf.PdfWriter(clone_from=str(FIXTURES / "known.pdf"))
    writer.encrypt("secret", algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    refused(write(tmp_path, "locked.pdf", buf.getvalue()), r"password-protected")


def test_damaged_pdf(tmp_path: Path) -> None:
    refused(
        write(tmp_path, "broken.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R\n"), r"damaged PDF"
    )


@pytest.mark.parametrize(
    ("source", "name", "pattern"),
    [
        ("known.pdf", "book.docx", r"named \.docx but contains a PDF"),
        ("known.docx", "book.pdf", r"named \.pdf but contains a Word \(\.docx\) document"),
        ("known.epub", "book.odt", r"named \.odt but contains an EPUB book"),
        ("known.txt", "book.epub", r"named \.epub but contains plain text"),
        ("known.html", "book.txt", r"named \.txt but contains HTML"),
        ("known.rtf", "book.md", r"named \.md but contains an RTF document"),
    ],
)
def test_content_contradicting_extension(tmp_path: Path, source: str, name: str, pattern: str) -> None:
    shutil.copy(FIXTURES / source, tmp_path / name)
    refused(tmp_path / name, pattern)


def test_unknown_extension_is_read_by_content(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "known.epub", tmp_path / "book.final")
    assert load_document(tmp_path / "book.final").format == "epub"


@pytest.mark.parametrize(
    ("name", "data", "pattern"),
    [
        (
            "old.doc",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,
            r"legacy Office file .* save it as \.docx",
        ),
        ("cover.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, r"PNG image"),
        (
            "sheet.xlsx",
            make_zip({"xl/workbook.xml": b"<workbook/>"}),
            r"ZIP archive but not a DOCX, EPUB or ODT",
        ),
        (
            "slides.odp",
            make_zip({"mimetype": b"application/vnd.oasis.opendocument.presentation"}),
            r"not a text document",
        ),
        ("data.bin", bytes(range(256)) * 4, r"NUL bytes"),
    ],
)
def test_unsupported_formats(tmp_path: Path, name: str, data: bytes, pattern: str) -> None:
    refused(write(tmp_path, name, data), pattern)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    refused(tmp_path / "nope.txt", r"not a readable file")
    refused(tmp_path, r"not a readable file")


def test_input_over_size_limit_is_refused_naming_the_limit(tmp_path: Path) -> None:
    big = tmp_path / "huge.txt"
    with big.open("wb") as f:  # sparse: nothing is written or read
        f.truncate(limits.MAX_INPUT_BYTES + 1)
    refused(big, r"over the limit of 200 MB")


# --- archives -------------------------------------------------------------------------------------

ARCHIVES = ["known.docx", "known.epub", "known.odt"]


@pytest.mark.parametrize("source", ARCHIVES)
def test_zip_bomb_member_is_refused_on_bytes_read(tmp_path: Path, source: str) -> None:
    bomb = replace_member(
        FIXTURES / source,
        "word/media/bomb.xml"
        if source.endswith("docx")
        else "content.xml"
        if source.endswith("odt")
        else "EPUB/text/ch001.xhtml",
        b"<a>" + b" " * 30_000_000 + b"</a>",
    )
    assert len(bomb) < 200_000
    refused(write(tmp_path, source, bomb), r"expands more than 100:1 .* like a zip bomb")


def test_total_uncompressed_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_UNCOMPRESSED_BYTES", 20_000)
    refused(FIXTURES / "known.docx", r"expands past the limit of")


def test_too_many_entries(tmp_path: Path) -> None:
    members = {"mimetype": b"application/epub+zip"} | {
        f"x/{i}": b"" for i in range(limits.MAX_ZIP_ENTRIES + 1)
    }
    refused(
        write(tmp_path, "many.epub", make_zip(members, stored_first="mimetype")),
        r"more than the limit of 10000",
    )


@pytest.mark.parametrize("source", ARCHIVES)
def test_encrypted_entries(tmp_path: Path, source: str) -> None:
    data = set_encrypted_flag((FIXTURES / source).read_bytes())
    refused(write(tmp_path, source, data), r"encrypted \(password-protected\)")


def test_overlapping_entries(tmp_path: Path) -> None:
    data = point_all_entries_at_first((FIXTURES / "known.docx").read_bytes())
    refused(write(tmp_path, "overlap.docx", data), r"overlapping entries")


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<r>&xxe;</r>"""
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<r>&lol3;</r>"""


@pytest.mark.parametrize("payload", [XXE, LAUGHS], ids=["xxe", "billion-laughs"])
@pytest.mark.parametrize(
    ("source", "member"),
    [
        ("known.docx", "word/document.xml"),
        ("known.odt", "content.xml"),
        ("known.epub", "EPUB/content.opf"),
        ("known.epub", "META-INF/container.xml"),
        ("known.epub", "EPUB/text/ch001.xhtml"),
    ],
)
def test_entity_attacks_are_refused(tmp_path: Path, payload: bytes, source: str, member: str) -> None:
    data = replace_member(FIXTURES / source, member, payload)
    message = refused(
        write(tmp_path, source, data), r"(DOCTYPE declaration|declares XML entities), which Verbatim refuses"
    )
    assert "root:" not in message


def test_utf16_encoded_doctype_is_still_seen(tmp_path: Path) -> None:
    data = replace_member(
        FIXTURES / "known.odt",
        "content.xml",
        XXE.replace(b'"1.0"?', b'"1.0" encoding="UTF-16"?').decode().encode("utf-16"),
    )
    refused(write(tmp_path, "u16.odt", data), r"refuses for safety")


def test_plain_xhtml_doctype_in_epub_is_fine(expected: str) -> None:
    # pandoc's chapters carry <!DOCTYPE html>: a DOCTYPE without an internal subset is harmless.
    assert "Marisol wrote" in load_document(FIXTURES / "known.epub").text


def test_epub_links_outside_the_archive_are_ignored(tmp_path: Path) -> None:
    secret = tmp_path / "secret.xhtml"
    secret.write_text("<html><body><p>TOP SECRET</p></body></html>")
    with zipfile.ZipFile(FIXTURES / "known.epub") as z:
        opf = z.read("EPUB/content.opf")
    opf = opf.replace(b'href="text/ch001.xhtml"', f'href="../../../../{secret}"'.encode())
    opf = opf.replace(b'href="text/title_page.xhtml"', f'href="file://{secret}"'.encode())
    data = replace_member(FIXTURES / "known.epub", "EPUB/content.opf", opf)
    doc = load_document(write(tmp_path, "escape.epub", data))
    assert "TOP SECRET" not in doc.text
    assert doc.text.startswith("Chapter Two: The Correspondence")  # the rest of the book is still read


def test_drm_epub_is_refused(tmp_path: Path) -> None:
    enc = b"""<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container"
      xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData>
      <enc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/>
      <enc:CipherData><enc:CipherReference URI="EPUB/text/ch001.xhtml"/></enc:CipherData>
      </enc:EncryptedData></encryption>"""
    data = replace_member(FIXTURES / "known.epub", "META-INF/encryption.xml", enc)
    refused(write(tmp_path, "drm.epub", data), r"protected by DRM")


def test_damaged_zip(tmp_path: Path) -> None:
    data = (FIXTURES / "known.docx").read_bytes()[:3000]
    refused(write(tmp_path, "cut.docx", data), r"damaged ZIP archive")
