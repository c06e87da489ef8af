"""Hostile Word files, workbooks, e-books, images and scans, made on the fly and cheaply: bombs are
one compressed block repeated (hostile.py), the million-row sheet is written as XML straight into
the zip, the 500-page scan is one page image shared by every page."""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from pathlib import Path

from hostile import GIB, _add_raw_member, _repeated_deflate, _zeros_crc, write_pdf
from quire.library.samples import make_docx, make_epub, make_pdf, make_xlsx

BILLION_LAUGHS = (
    b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10)
        for n in range(1, 10)
    )
    + b"]>"
)


def _rewrite(path: Path, change: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    members.update(change)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _with_doctype(path: Path, member: str, doctype: bytes, entity: bytes) -> Path:
    """`member` with `doctype` after its XML declaration and `entity` used in its first text."""
    with zipfile.ZipFile(path) as archive:
        xml = archive.read(member)
    if xml.startswith(b"<?xml"):
        declaration, rest = xml.split(b"?>", 1)
        xml = declaration + b"?>" + doctype + rest
    else:
        xml = doctype + xml
    for text_tag in (b"<w:t>", b"<t>", b"<p>"):
        if text_tag in xml:
            xml = xml.replace(text_tag, text_tag + entity, 1)
            break
    return _rewrite(path, {member: xml})


def docx_doc(path: Path) -> Path:
    return make_docx(path, [("h1", "Harbour minutes"), ("p", "The pier was inspected on Monday.")])


def xlsx_doc(path: Path) -> Path:
    return make_xlsx(path, {"Sheet1": [["Berth", "Boat"], ["A1", "Gannet"]]})


def epub_doc(path: Path) -> Path:
    return make_epub(path, [("Landfall", "The schooner reached the island at dawn.")])


_MEMBERS = {  # where each format keeps its main text, and where media goes
    ".docx": ("word/document.xml", "word/media/image1.png", docx_doc),
    ".xlsx": ("xl/worksheets/sheet1.xml", "xl/media/image1.png", xlsx_doc),
    ".epub": ("OEBPS/text/ch1.xhtml", "OEBPS/images/cover.png", epub_doc),
}


def zip_bomb(path: Path, inflated: int = 2 * GIB) -> Path:
    """A real document of path's type plus a media member that inflates to `inflated` bytes."""
    _, media, make = _MEMBERS[path.suffix]
    make(path)
    raw = _repeated_deflate(inflated, wrapper="raw")
    _add_raw_member(path, media, raw, size=inflated, crc=_zeros_crc(inflated))
    return path


def xxe(path: Path, url: str) -> Path:
    """The main part declares an external entity naming `url` (and /etc/passwd) and uses it."""
    member, _, make = _MEMBERS[path.suffix]
    make(path)
    doctype = (
        b'<!DOCTYPE r [<!ENTITY ext SYSTEM "'
        + url.encode()
        + b'/xxe"><!ENTITY pw SYSTEM "file:///etc/passwd">]>'
    )
    return _with_doctype(path, member, doctype, b"&ext;&pw;")


def billion_laughs(path: Path) -> Path:
    """The main part declares entities nested ten deep (10^9 "lol"s, 3 GB, when expanded)."""
    member, _, make = _MEMBERS[path.suffix]
    make(path)
    return _with_doctype(path, member, BILLION_LAUGHS, b"&lol9;")


def million_row_sheet(path: Path, rows: int = 1_000_000) -> Path:
    """A workbook whose one sheet has a header and `rows` rows of one column, written as XML into the
    zip in blocks (a second, 6 MB on disk, ~50 MB of XML inside)."""
    base = make_xlsx(path.with_suffix(".base.xlsx"), {"Sheet1": [["label"]]})
    with (
        zipfile.ZipFile(base) as src,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst,
    ):
        for info in src.infolist():
            data = src.read(info)
            if info.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(info, data)
                continue
            head, tail = data.split(b"<sheetData>")
            head = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:A%d"/>' % (rows + 1), head)
            with dst.open(info.filename, "w", force_zip64=True) as out:
                out.write(head + b"<sheetData>")
                out.write(b'<row r="1"><c r="A1" t="inlineStr"><is><t>label</t></is></c></row>')
                for start in range(2, rows + 2, 10_000):
                    out.write(
                        b"".join(
                            b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>buoy %d</t></is></c></row>'
                            % (n, n, n - 1)
                            for n in range(start, min(start + 10_000, rows + 2))
                        )
                    )
                out.write(b"</sheetData>" + tail.split(b"</sheetData>", 1)[1])
    base.unlink()
    return path


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def huge_png(path: Path, side: int = 30_000) -> Path:
    """A side × side grayscale PNG (900 megapixels at 30,000: 900 MB decoded) in about a MB: the
    pixel stream is one compressed block of zeros repeated."""
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    pixels = _repeated_deflate(side * (side + 1), wrapper="zlib")
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", pixels)
        + _png_chunk(b"IEND", b"")
    )
    return path


def long_scan(path: Path, pages: int = 500, text: str = "Tide table for the outer harbour.") -> Path:
    """A `pages`-page PDF of page images only (a scan), every page drawing one shared image of a
    rendered text page: a 500-page scan in about 100 KB."""
    import numpy as np
    import pypdfium2 as pdfium

    path.parent.mkdir(parents=True, exist_ok=True)
    source = make_pdf(path.with_suffix(".text.pdf"), [text])
    document = pdfium.PdfDocument(str(source))
    image = document[0].render(scale=100 / 72, grayscale=True).to_numpy()
    document.close()
    source.unlink()
    if image.ndim == 3:
        image = image[:, :, 0]
    height, width = image.shape
    raw = zlib.compress(np.ascontiguousarray(image, dtype=np.uint8).tobytes(), 9)
    content = b"q 595 0 0 842 0 0 cm /Im1 Do Q"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids ["
        + b" ".join(b"%d 0 R" % (5 + n) for n in range(pages))
        + b"] /Count %d >>" % pages,
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 "
        b"/Filter /FlateDecode /Length %d >>\nstream\n" % (width, height, len(raw)) + raw + b"\nendstream",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    objects += [
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /XObject << /Im1 3 0 R >> >> /Contents 4 0 R >>"
    ] * pages
    return write_pdf(path, objects)
