"""Checks shared by the zip-based formats (.pptx now; .docx, .xlsx and .epub read the same way):
a zip bomb, a crowded directory or an encrypted Office file is refused before anything is inflated."""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path

from quire.errors import LoaderError
from quire.library.loaders.base import brief

# python-pptx inflates every member of the zip into memory when it opens a deck, so the directory
# is checked first (sizes, ratios, count). A member that lies about its size is caught by zipfile:
# it keeps only the declared bytes (then the CRC fails) - but a whole-member read() inflates up to
# ZipExtFile.MAX_N (2 GiB) in one call before trimming. Smaller steps bound that transient to the
# declared size plus one step; the cost is a few extra copies of large media.
_ZIP_READ_STEP = 8 * 1024**2
if getattr(zipfile.ZipExtFile, "MAX_N", 0) > _ZIP_READ_STEP:
    zipfile.ZipExtFile.MAX_N = _ZIP_READ_STEP
ZIP_MAX_MEMBERS = 20_000  # a 1,000-slide deck with media has a few thousand parts
ZIP_MAX_INFLATED = 1024**3  # all parts together, unpacked
ZIP_MAX_RATIO = 100  # XML compresses 5-20×, media barely; a bomb reaches 1,000×
ZIP_RATIO_FLOOR = 10 * 1024**2  # small parts may compress as well as they like
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def is_ole(path: Path) -> bool:
    """Office wraps a password-protected file in an OLE container, as the legacy formats are."""
    with path.open("rb") as handle:
        return handle.read(8) == OLE_MAGIC


def check_zip(path: Path, label: str = ".pptx", unit: str = "deck") -> None:
    """Refuse a zip bomb from the directory alone, before anything is inflated. `label` names the
    format in "damaged .pptx", `unit` the thing in "50,000 parts in one deck"."""
    entries = _zip_entry_count(path)
    if entries > ZIP_MAX_MEMBERS:
        raise LoaderError(
            path, f"too large to read: {entries:,} parts in one {unit} (limit {ZIP_MAX_MEMBERS:,})"
        )
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise LoaderError(path, f"damaged {label} ({brief(exc)})") from None
    except NotImplementedError as exc:  # a zip version or method Python does not read
        raise LoaderError(path, f"unsupported kind of zip archive ({brief(exc)})") from None
    if len(members) > ZIP_MAX_MEMBERS:
        raise LoaderError(
            path, f"too large to read: {len(members):,} parts in one {unit} (limit {ZIP_MAX_MEMBERS:,})"
        )
    total = 0
    for member in members:
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > ZIP_RATIO_FLOOR and ratio > ZIP_MAX_RATIO:
            raise LoaderError(
                path,
                f"zip bomb: {member.filename} would unpack from {mb(member.compress_size)} "
                f"to {mb(member.file_size)} ({ratio:,.0f}×); refused before unpacking",
            )
    if total > ZIP_MAX_INFLATED:
        raise LoaderError(
            path, f"too large to read: its parts unpack to {mb(total)} (limit {mb(ZIP_MAX_INFLATED)})"
        )


def _zip_entry_count(path: Path) -> int:
    """The entry count that the end-of-directory record declares (0 if not found), read before
    zipfile builds an object per entry: a 200 MB directory of empty entries is millions of them."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        handle.seek(max(0, size - 65_557))  # the record (22 bytes) and a comment of up to 64 KiB
        tail = handle.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return 0
    (count,) = struct.unpack_from("<H", tail, at + 10)
    return int(count)  # 0xFFFF means ZIP64: zipfile reads the real count, checked after


def mb(size: int) -> str:
    return f"{size / 2**20:,.1f} MB" if size < 2**30 else f"{size / 2**30:,.1f} GB"


# XML ----------------------------------------------------------------------------------------------

# Office parts never declare a DTD; an e-book's XHTML may name one (<!DOCTYPE html ...>) but has no
# business declaring entities. A declared entity is how XXE (an entity naming a file or URL) and
# billion laughs (entities nested to expand to gigabytes) start, so such a part is refused before
# any parser sees it. The parsers are safe on their own as well (lxml with resolve_entities=False,
# no network, no DTD loading); this check turns the attack into a reason the user can read.
_PROLOG_LIMIT = 1024**2  # a prolog longer than this (comments before the root) is itself hostile


def check_xml_prolog(path: Path, member: str, head: bytes, *, doctype_allowed: bool = False) -> None:
    """Refuse a DTD (or, where a DOCTYPE is usual, an entity declaration) in `head`, the first bytes
    of XML part `member` of `path`."""
    text = _ascii_view(head)
    at = text.find("<!doctype")
    if at < 0:
        return
    if not doctype_allowed:
        raise LoaderError(path, f"{member} declares a DTD, which these files never do (XXE or entity bomb?)")
    if "<!entity" in text[at:]:
        raise LoaderError(path, f"{member} declares XML entities (an XXE or entity bomb?); refused")


def _ascii_view(head: bytes) -> str:
    """The prolog, lowercased, whatever its encoding (UTF-16 parts are legal XML)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head[1:2] == b"\x00" or head[:1] == b"\x00":
        for codec in ("utf-16", "utf-16-le", "utf-16-be"):
            try:
                return head.decode(codec, errors="ignore").lower()
            except UnicodeError:
                continue
    return head.decode("latin-1").lower()


def _root_start(data: bytes) -> int:
    """Where the root element starts (after the declaration, comments, PIs and DOCTYPE), or -1."""
    at = 0
    limit = min(len(data), _PROLOG_LIMIT)
    while at < limit:
        at = data.find(b"<", at)
        if at < 0 or at + 1 >= len(data):
            return -1
        nxt = data[at + 1 : at + 2]
        if nxt in (b"?", b"!"):
            at += 2
            continue
        return at
    return -1


def xml_parser():  # type: ignore[no-untyped-def]
    """An lxml parser that resolves no entity, loads no DTD and fetches nothing."""
    from lxml import etree  # lazy: lxml is heavy to import and only zip formats need it

    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
    )


def scan_zip_xml(path: Path, label: str, *, doctype_allowed: bool = False) -> None:
    """Check the prolog of every XML part of a (directory-checked) zip before a library opens it."""
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                name = info.filename.lower()
                if not name.endswith((".xml", ".rels", ".opf", ".ncx", ".xhtml", ".htm", ".html")):
                    continue
                with archive.open(info) as handle:
                    head = handle.read(64 * 1024)
                root = _root_start(head)
                prolog = head if root < 0 else head[:root]
                check_xml_prolog(path, info.filename, prolog, doctype_allowed=doctype_allowed)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as exc:
        raise LoaderError(path, f"damaged {label} ({brief(exc)})") from None
    except NotImplementedError as exc:  # a compression method Python does not read
        raise LoaderError(path, f"unsupported kind of zip archive ({brief(exc)})") from None
