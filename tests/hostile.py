"""Hostile files made on the fly: bombs, loops, deep nesting, active content, broken encodings.

PDFs are written by hand (a tiny object writer below) so each trap is exactly the one named;
decks start from a real python-pptx deck and are then altered at the zip level. Bombs are built
from one compressed block repeated, so a 2 GiB bomb costs milliseconds and a few MB of disk."""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path

from quire.library.samples import make_pdf, make_pptx

GIB = 1024**3
_BLOCK = 1 << 20  # the bombs repeat one compressed MiB of zeros


# A minimal PDF writer -----------------------------------------------------------------------------


def pdf_stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def write_pdf(path: Path, objects: list[bytes], *, root: int = 1, trailer: bytes = b"") -> Path:
    """objects[n-1] is the body of object n; one classic xref table, offsets exact."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R %s>>\n" % (len(objects) + 1, root, trailer)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    path.write_bytes(bytes(out))
    return path


def _text_ops(text: str) -> bytes:
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return b"BT /F1 12 Tf 50 800 Td (" + escaped.encode("latin-1") + b") Tj ET"


def text_pdf(
    path: Path,
    pages: list[str],
    *,
    catalog_extra: bytes = b"",
    page_extra: bytes = b"",
    more: list[bytes] | None = None,
) -> Path:
    """One line of text per page. Objects: 1 catalog, 2 page tree, 3 font, then `more` (numbered
    from 4, so callers can refer to them), then each page and its content stream."""
    more = more or []
    first = 4 + len(more)
    kids = b" ".join(b"%d 0 R" % (first + 2 * n) for n in range(len(pages)))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b">>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % len(pages),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        *more,
    ]
    for n, text in enumerate(pages):
        content = first + 2 * n + 1
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R " % content + page_extra + b">>"
        )
        objects.append(pdf_stream(_text_ops(text)))
    return write_pdf(path, objects)


def pdf_many_pages(path: Path, count: int = 10_000) -> Path:
    """`count` pages, page N saying "page N of the long report"."""
    return text_pdf(path, [f"page {n} of the long report" for n in range(1, count + 1)])


def pdf_slow(path: Path, pages: int = 1_000, ops: int = 50_000) -> Path:
    """A small file that takes minutes to read: every page shares one compressed content stream of
    `ops` tiny text operations (parse work multiplied by the page count, not by the file size)."""
    content = b"BT /F1 12 Tf 50 800 Td " + b"(a) Tj " * ops + b"ET"
    stream = pdf_stream(zlib.compress(content, 9), b"/Filter /FlateDecode ")
    kids = b" ".join(b"%d 0 R" % (5 + n) for n in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        stream,
    ]
    objects += [
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>"
    ] * pages
    return write_pdf(path, objects)


def _repeated_deflate(total: int, *, wrapper: str) -> bytes:
    """Compressed `total` zero bytes. A full flush resets the compressor, so every MiB compresses to
    the same bytes and the stream is that block repeated: a GiB bomb without compressing a GiB."""
    wbits = {"zlib": 15, "raw": -15}[wrapper]
    compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
    head = compressor.compress(bytes(_BLOCK)) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = again.compress(bytes(_BLOCK)) + again.flush(zlib.Z_FULL_FLUSH)
    body = head + block * (total // _BLOCK - 1) + zlib.compressobj(9, zlib.DEFLATED, -15).flush()
    if wrapper == "zlib":  # adler32 of n zeros: a stays 1, b counts the bytes
        body += struct.pack(">I", ((total % 65521) << 16) | 1)
    return body


def pdf_flate_bomb(path: Path, inflated: int = 2 * GIB) -> Path:
    """Page 1's content stream inflates to `inflated` bytes; page 2 is an ordinary page."""
    bomb = pdf_stream(_repeated_deflate(inflated, wrapper="zlib"), b"/Filter /FlateDecode ")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [4 0 R 6 0 R] /Count 2 >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>",
        bomb,
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 3 0 R >> >> /Contents 7 0 R >>",
        pdf_stream(_text_ops("the page after the bomb")),
    ]
    return write_pdf(path, objects)


def pdf_deep_nesting(path: Path, depth: int = 100_000) -> Path:
    """A page whose dictionary holds arrays nested `depth` deep (recursive parsers overflow)."""
    return text_pdf(path, ["deeply nested page"], page_extra=b"/Junk " + b"[" * depth + b"]" * depth + b" ")


def pdf_deep_dicts(path: Path, depth: int = 100_000) -> Path:
    """The catalog holds dictionaries nested `depth` deep."""
    nested = b"<< /A " * depth + b"1" + b" >>" * depth
    return text_pdf(path, ["deeply nested catalog"], catalog_extra=b"/Junk " + nested + b" ")


def pdf_deep_content(path: Path, depth: int = 100_000) -> Path:
    """A page whose content stream holds an operand nested `depth` arrays deep."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>",
        pdf_stream(_text_ops("words before the maze") + b" " + b"[" * depth + b"]" * depth + b" TJ"),
    ]
    return write_pdf(path, objects)


def pdf_deep_page_tree(path: Path, depth: int = 5_000) -> Path:
    """A page tree `depth` levels deep, one page at the bottom."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    objects += [b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % (3 + n) for n in range(depth)]
    objects.append(b"<< /Type /Page /MediaBox [0 0 595 842] >>")
    return write_pdf(path, objects)


def pdf_cyclic_page_tree(path: Path) -> Path:
    """A page tree whose inner node lists itself and its parent among its kids."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [4 0 R 2 0 R] /Count 3 >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /Pages /Parent 2 0 R /Kids [4 0 R 2 0 R 5 0 R] /Count 2 >>",
        b"<< /Type /Page /Parent 4 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 3 0 R >> >> /Contents 6 0 R >>",
        pdf_stream(_text_ops("a page inside a loop")),
    ]
    return write_pdf(path, objects)


def pdf_xref_loop(path: Path) -> Path:
    """Two xref sections whose trailers name each other as /Prev (a reader that follows /Prev
    without remembering where it has been never stops)."""
    whole = text_pdf(path, ["xref loop page"]).read_bytes()
    first = int(whole[whole.rindex(b"startxref") + 9 :].split()[0])
    body, table = whole[:first], whole[first : whole.index(b"trailer", first)]

    def section(prev: int) -> bytes:  # fixed-width /Prev, so both offsets are known in advance
        return table + b"trailer\n<< /Size 6 /Root 1 0 R /Prev %010d >>\n" % prev

    second = first + len(section(0))
    path.write_bytes(body + section(second) + section(first) + b"startxref\n%d\n%%%%EOF\n" % second)
    return path


def pdf_with_actions(path: Path, url: str, marker: Path) -> Path:
    """Active content on every hook a viewer runs: /OpenAction JavaScript, a document-level script,
    page-open actions, and link annotations with /URI, /Launch and /SubmitForm. Each would touch
    `url` or create `marker` if anything acted on it."""
    js = f"app.launchURL('{url}/js'); this.submitForm('{url}/submit');".encode()
    launch = b"<< /S /Launch /F (" + str(marker).encode() + b") /Win << /F (cmd.exe) >> >>"
    annots = (
        b"/Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 100 100] /A << /S /URI /URI ("
        + url.encode()
        + b"/uri) >> >> << /Type /Annot /Subtype /Link /Rect [0 100 100 200] /A 5 0 R >>"
        b" << /Type /Annot /Subtype /Link /Rect [0 200 100 300] /A << /S /SubmitForm /F << /FS /URL /F ("
        + url.encode()
        + b"/form) >> >> >>] "
    )
    return text_pdf(
        path,
        ["The harbour timetable lists the evening ferry at nine."],
        catalog_extra=b"/OpenAction 4 0 R /Names << /JavaScript << /Names [(init) 4 0 R] >> >> "
        b"/AA << /WC 4 0 R >> ",
        page_extra=annots + b"/AA << /O 5 0 R >> ",
        more=[b"<< /S /JavaScript /JS (" + js + b") >>", launch],
    )


def pdf_aes_encrypted(path: Path, text: str = "sealed minutes") -> Path:
    """AES-256 with a user password, as Acrobat writes today (needs pypdf's crypto extra)."""
    from pypdf import PdfReader, PdfWriter

    plain = make_pdf(path.with_suffix(".plain.pdf"), [text])
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt("open sesame", algorithm="AES-256")
    with path.open("wb") as handle:
        writer.write(handle)
    plain.unlink()
    return path


# Decks --------------------------------------------------------------------------------------------


def _add_raw_member(path: Path, name: str, raw_deflate: bytes, *, size: int, crc: int) -> None:
    """Append a member whose compressed bytes are given as is, declaring `size` and `crc`."""
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr(name, raw_deflate)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
    # local header: method at +8, crc at +14, sizes at +18/+22; central entry: +10, +16, +20/+24
    struct.pack_into("<HxxxxIII", data, info.header_offset + 8, 8, crc, len(raw_deflate), size)
    central = data.index(b"PK\x01\x02", info.header_offset + 30 + len(name) + len(raw_deflate))
    while data[central + 46 : central + 46 + len(name)] != name.encode():
        central = data.index(b"PK\x01\x02", central + 4)
    struct.pack_into("<HxxxxIII", data, central + 10, 8, crc, len(raw_deflate), size)
    path.write_bytes(bytes(data))


def _zeros_crc(total: int) -> int:
    crc = 0
    block = bytes(_BLOCK)
    for _ in range(total // _BLOCK):
        crc = zlib.crc32(block, crc)
    return crc


def pptx_zip_bomb(path: Path, inflated: int = 2 * GIB, *, honest: bool = True) -> Path:
    """A real deck plus a media member that inflates to `inflated` bytes. `honest=False` declares
    a 4 KB member instead, so only reading it (not its directory entry) shows the size."""
    make_pptx(path, [{"title": "Bomb deck", "body": "an innocent looking slide"}])
    raw = _repeated_deflate(inflated, wrapper="raw")
    if honest:
        _add_raw_member(path, "ppt/media/image1.png", raw, size=inflated, crc=_zeros_crc(inflated))
    else:
        _add_raw_member(path, "ppt/media/image1.png", raw, size=4096, crc=zlib.crc32(bytes(4096)))
    return path


def pptx_lying_bomb_slide(path: Path, inflated: int = GIB) -> Path:
    """The first slide's XML is replaced by a stream that inflates to `inflated` bytes while its
    directory entry claims the original size (so a declared-size check alone cannot see it)."""
    make_pptx(path, [{"title": "Lying deck", "body": "nothing to see"}])
    with zipfile.ZipFile(path) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    slide = "ppt/slides/slide1.xml"
    declared = len(members.pop(slide))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    raw = _repeated_deflate(inflated, wrapper="raw")
    _add_raw_member(path, slide, raw, size=declared, crc=0)
    return path


def pptx_many_members(path: Path, count: int = 50_000) -> Path:
    """A deck plus tens of thousands of tiny members (a directory that costs memory to list)."""
    make_pptx(path, [{"title": "Crowded deck", "body": "one slide, many parts"}])
    with zipfile.ZipFile(path, "a") as archive:
        for n in range(count):
            archive.writestr(f"ppt/junk/{n}.bin", b"")
    return path


def pptx_external_links(path: Path, url: str) -> Path:
    """A deck with a hyperlink, a picture linked (not embedded) from `url`, and an XML external
    entity pointing at `url` in the presentation part. Nothing may be fetched."""
    from pptx import Presentation
    from pptx.opc.constants import RELATIONSHIP_TYPE as RT
    from pptx.util import Inches

    make_pptx(path, [{"title": "Linked deck", "body": "The lighthouse keeper logs the tides."}])
    deck = Presentation(str(path))
    slide = deck.slides[0]
    run = slide.placeholders[1].text_frame.paragraphs[0].add_run()
    run.text = " See the tide tables."
    run.hyperlink.address = f"{url}/tides"
    picture = slide.shapes.add_picture(str(_png(path.parent / "dot.png")), Inches(1), Inches(1))
    rid = slide.part.relate_to(f"{url}/linked.png", RT.IMAGE, is_external=True)
    blip = picture._element.blipFill.blip  # link the picture instead of embedding it
    embed = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed"
    link = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}link"
    del blip.attrib[embed]
    blip.set(link, rid)
    deck.save(str(path))
    (path.parent / "dot.png").unlink()
    with zipfile.ZipFile(path) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    xml = members["ppt/presentation.xml"]
    declaration, rest = xml.split(b"?>", 1)
    doctype = b'<!DOCTYPE p:presentation [<!ENTITY ext SYSTEM "' + url.encode() + b'/xxe">]>'
    members["ppt/presentation.xml"] = declaration + b"?>" + doctype + rest
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _png(path: Path) -> Path:
    """A 1×1 PNG written by hand (no imaging library needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )
    return path


def pptx_encrypted(path: Path) -> Path:
    """What PowerPoint writes for a password-protected deck: an OLE compound file, not a zip."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16) + b"\x3e\x00\x03\x00\xfe\xff\x09\x00"
    body = "EncryptionInfo EncryptedPackage".encode("utf-16-le")
    path.write_bytes(header + bytes(512 - len(header)) + body + bytes(4096))
    return path


# Notes --------------------------------------------------------------------------------------------


def text_single_line(path: Path, megabytes: int = 50) -> Path:
    """`megabytes` MB of words and no line break at all."""
    unit = b"tide gauge reading nominal "
    path.write_bytes((unit * (megabytes * 1_000_000 // len(unit) + 1))[: megabytes * 1_000_000])
    return path


def text_utf16_odd_length(path: Path) -> Path:
    """UTF-16 with a BOM whose last character lost a byte."""
    path.write_bytes("# Tides\nHigh water at 06:12, low water at 12:30.\n".encode("utf-16") + b"\x41")
    return path


def text_utf16_lone_surrogate(path: Path) -> Path:
    """UTF-16LE with a BOM and a high surrogate not followed by a low one."""
    before = "# Moorings\nBerth 4 is free".encode("utf-16-le")
    after = " until Friday.\n".encode("utf-16-le")
    path.write_bytes(b"\xff\xfe" + before + b"\x3d\xd8" + after)
    return path


def text_utf16_no_bom(path: Path) -> Path:
    """UTF-16LE without a BOM (Windows tools write these): NUL bytes but real text."""
    path.write_bytes("# Buoys\nThe red buoy marks the port side of the channel.\n".encode("utf-16-le"))
    return path


def binary_as_markdown(path: Path) -> Path:
    """An executable-looking blob renamed to .md."""
    path.write_bytes(b"\x7fELF\x02\x01\x01" + bytes(range(256)) * 64)
    return path
