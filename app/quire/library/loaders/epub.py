"""E-books (.epub): the chapters in reading order (the package's spine), each read like a web page
and cited as "chapter 3". Read with zipfile and a safe XML parser: nothing outside the book is
fetched, and a DRM-protected book is named as such."""

from __future__ import annotations

import posixpath
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from quire.errors import LoaderError
from quire.library.loaders.base import NESTED_TOO_DEEPLY, LoadedDocument, Section, brief
from quire.library.loaders.html import html_sections
from quire.library.loaders.safety import check_zip, scan_zip_xml, xml_parser

_OPF = "{http://www.idpf.org/2007/opf}"
_CONTAINER = "{urn:oasis:names:tc:opendocument:xmlns:container}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_HTML_TYPES = {"application/xhtml+xml", "text/html", "application/x-dtbook+xml"}


def load_epub(path: Path) -> LoadedDocument:
    if not zipfile.is_zipfile(path):
        raise LoaderError(path, "not a valid .epub (not a zip archive)")
    check_zip(path, ".epub", "book")
    scan_zip_xml(path, ".epub", doctype_allowed=True)  # XHTML names its DTD; no part may declare entities
    try:
        with zipfile.ZipFile(path) as book:
            return _read_book(path, book)
    except RecursionError:
        raise LoaderError(path, NESTED_TOO_DEEPLY) from None
    except zipfile.BadZipFile as exc:
        raise LoaderError(path, f"damaged .epub ({brief(exc)})") from None


def _xml(book: zipfile.ZipFile, name: str) -> Any:
    from lxml import etree  # lazy: only zip formats need lxml

    return etree.fromstring(book.read(name), xml_parser())


def _read_book(path: Path, book: zipfile.ZipFile) -> LoadedDocument:
    from lxml import etree

    names = set(book.namelist())
    if "META-INF/encryption.xml" in names and _encrypts_content(book):
        raise LoaderError(path, "DRM-protected e-book: its chapters are encrypted")
    try:
        container = _xml(book, "META-INF/container.xml")
        rootfile = container.find(f".//{_CONTAINER}rootfile")
        opf_name = unquote(rootfile.get("full-path", "")) if rootfile is not None else ""
        package = _xml(book, opf_name)
    except KeyError as exc:
        raise LoaderError(path, f"not a valid .epub (missing {brief(exc)})") from None
    except etree.XMLSyntaxError as exc:
        raise LoaderError(path, f"damaged .epub ({brief(exc)})") from None
    base = posixpath.dirname(opf_name)
    manifest = {
        item.get("id"): item for item in package.iter(f"{_OPF}item") if item.get("id") and item.get("href")
    }
    title = " ".join((package.findtext(f".//{_DC}title") or "").split()) or None
    sections: list[Section] = []
    warnings: list[str] = []
    chapter = 0
    for ref in package.iter(f"{_OPF}itemref"):
        item = manifest.get(ref.get("idref"))
        if item is None or item.get("media-type") not in _HTML_TYPES:
            continue
        name = posixpath.normpath(posixpath.join(base, unquote(item.get("href").split("#")[0])))
        if name not in names:
            warnings.append(f"{name} is in the reading order but not in the book")
            continue
        data = book.read(name)
        wide = data.startswith((b"\xff\xfe", b"\xfe\xff"))
        text = data.decode("utf-16" if wide else "utf-8", errors="replace")
        parts, chapter_title = html_sections(text)
        if not parts:
            continue  # a cover image, a blank page: no chapter number spent on it
        chapter += 1
        for part in parts:
            heading = part.heading or chapter_title or None
            sections.append(Section(text=part.text, heading=heading, location=f"chapter {chapter}"))
    if not sections:
        raise LoaderError(path, "no text in any chapter (images only?)")
    if title and sections[0].heading is None:
        sections[0] = Section(text=sections[0].text, heading=title, location=sections[0].location)
    return LoadedDocument(str(path), "ebook", sections, 0, warnings)


def _encrypts_content(book: zipfile.ZipFile) -> bool:
    """Font obfuscation (the IDPF and Adobe algorithms) is encryption.xml's harmless use; anything
    else encrypted is DRM."""
    root = _xml(book, "META-INF/encryption.xml")
    harmless = ("http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC")
    for method in root.iter("{http://www.w3.org/2001/04/xmlenc#}EncryptionMethod"):
        if method.get("Algorithm") not in harmless:
            return True
    return False
