"""EPUB: container.xml -> OPF -> spine, each spine document read as HTML; one Location per chapter.

Links that leave the archive (`..`, absolute paths, URLs) are ignored; DRM-encrypted books are refused.
"""

from __future__ import annotations

import posixpath
from urllib.parse import unquote, urlsplit

from lxml import etree

from core.ingest.document import IngestError
from core.ingest.encoding import decode_text
from core.ingest.html import html_paragraphs
from core.ingest.limits import SafeZip
from core.ingest.normalize import Block, Extracted, Normalizer
from core.ingest.xmlsafe import check_no_dtd_subset, parse_xml

CONTAINER = "urn:oasis:names:tc:opendocument:xmlns:container"
OPF = "http://www.idpf.org/2007/opf"
NCX = "http://www.daisy.org/z3986/2005/ncx/"
XHTML = "http://www.w3.org/1999/xhtml"
ENC = "http://www.w3.org/2001/04/xmlenc#"
_DOCUMENT_TYPES = {"application/xhtml+xml", "text/html", "text/x-oeb1-document"}
# Font obfuscation also uses encryption.xml; only encrypted text documents mean DRM.
_FONT_OBFUSCATION = {"http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC"}


def resolve(base_dir: str, href: str) -> str | None:
    """An href as a member name inside the archive, or None when it points outside it."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/"):
        return None
    path = posixpath.normpath(posixpath.join(base_dir, unquote(parts.path)))
    return None if path == ".." or path.startswith("../") or path.startswith("/") else path


def _opf_path(z: SafeZip, name: str) -> str:
    root = parse_xml(z.read("META-INF/container.xml"), f"{name} (container.xml)")
    rootfile = root.find(f".//{{{CONTAINER}}}rootfile")
    path = resolve("", rootfile.get("full-path", "")) if rootfile is not None else None
    if path is None or not z.has(path):
        raise IngestError(f"{name} is a damaged EPUB: its container does not name a package file inside it.")
    return path


def _titles(z: SafeZip, name: str, opf_dir: str, manifest: dict[str, tuple[str, str, str]]) -> dict[str, str]:
    """Member name -> chapter title, from the EPUB 3 nav document or else the EPUB 2 NCX."""
    titles: dict[str, str] = {}
    for _, (path, media, props) in manifest.items():
        if "nav" in props.split() and z.has(path):
            check_no_dtd_subset(z.read(path), f"{name} ({path})")
            root = etree.fromstring(
                z.read(path), etree.XMLParser(resolve_entities=False, no_network=True, recover=True)
            )
            for a in root.iter(f"{{{XHTML}}}a") if root is not None else ():
                target = resolve(posixpath.dirname(path), a.get("href", "").split("#")[0])
                if target and target not in titles:
                    titles[target] = " ".join("".join(a.itertext()).split())
        elif media == "application/x-dtbncx+xml" and z.has(path) and not titles:
            root = parse_xml(z.read(path), f"{name} ({path})")
            for point in root.iter(f"{{{NCX}}}navPoint"):
                label = point.find(f"{{{NCX}}}navLabel/{{{NCX}}}text")
                content = point.find(f"{{{NCX}}}content")
                if label is not None and content is not None:
                    target = resolve(posixpath.dirname(path), content.get("src", "").split("#")[0])
                    if target and target not in titles:
                        titles[target] = " ".join((label.text or "").split())
    return titles


def _encrypted(z: SafeZip, name: str) -> set[str]:
    """Members encrypted with anything other than font obfuscation."""
    if not z.has("META-INF/encryption.xml"):
        return set()
    root = parse_xml(z.read("META-INF/encryption.xml"), f"{name} (encryption.xml)")
    out: set[str] = set()
    for data in root.iter(f"{{{ENC}}}EncryptedData"):
        method = data.find(f"{{{ENC}}}EncryptionMethod")
        ref = data.find(f".//{{{ENC}}}CipherReference")
        if ref is not None and (method is None or method.get("Algorithm") not in _FONT_OBFUSCATION):
            target = resolve("", ref.get("URI", ""))
            if target:
                out.add(target)
    return out


def read_epub(raw: bytes, name: str, norm: Normalizer) -> Extracted:
    """An .epub file: the spine's documents in reading order."""
    z = SafeZip(raw, name)
    opf_path = _opf_path(z, name)
    opf_dir = posixpath.dirname(opf_path)
    opf = parse_xml(z.read(opf_path), f"{name} ({opf_path})")
    manifest: dict[str, tuple[str, str, str]] = {}
    for item in opf.iter(f"{{{OPF}}}item"):
        path = resolve(opf_dir, item.get("href", ""))
        if path is not None:
            manifest[item.get("id", "")] = (path, item.get("media-type", ""), item.get("properties", ""))
    titles = _titles(z, name, opf_dir, manifest)
    encrypted = _encrypted(z, name)
    blocks: list[Block] = []
    for ref in opf.iter(f"{{{OPF}}}itemref"):
        path, media, _ = manifest.get(ref.get("idref", ""), ("", "", ""))
        if not path or media not in _DOCUMENT_TYPES or not z.has(path):
            continue
        if path in encrypted:
            raise IngestError(f"{name} is protected by DRM, so its text cannot be read.")
        data = z.read(path)
        check_no_dtd_subset(data, f"{name} ({path})")
        markup, _ = decode_text(data, f"{name} ({path})", norm)
        label = titles.get(path) or path
        blocks.extend(Block(p, label) for p in html_paragraphs(markup))
    return Extracted(blocks, "utf-8")
