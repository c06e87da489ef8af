"""Notes: .md/.markdown/.txt in any encoding, Markdown split at its headings."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from quire.errors import LoaderError
from quire.library.loaders.base import LoadedDocument, Section

log = logging.getLogger(__name__)


def decode_text(path: Path, data: bytes) -> str:
    """Decode a text file whatever its encoding; refuse binary data that merely has a text suffix."""
    wide = _utf16_or_32(data)
    if wide:
        # A lost last byte or a lone surrogate costs one character (U+FFFD), not the whole note;
        # mostly undecodable "text" is binary data that happens to start like a byte-order mark.
        text = data.decode(wide, errors="replace").removeprefix("\ufeff")
        sample = text[:8192]
        bad = sample.count("\ufffd") + sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f")
        if bad > max(2, len(sample) * 0.02):
            raise LoaderError(path, f"binary data or broken {wide.upper()} text")
        return text
    if b"\x00" in data[:8192]:
        raise LoaderError(path, "binary data, not text (is it really a text file?)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    matches = from_bytes(data)
    best = matches.best()
    if best is None:
        raise LoaderError(path, "binary data or an unknown text encoding")
    # Short Western notes fit several code pages equally well; Windows-1252 is the likely one.
    for match in matches:
        if match.encoding in _WESTERN and match.chaos <= best.chaos and match.coherence >= best.coherence:
            best = match
            break
    text = str(best)
    control = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\t\n\r\f")
    if control > len(text[:8192]) * 0.05:
        raise LoaderError(path, "binary data, not text (is it really a text file?)")
    log.info("%s decoded as %s", path, best.encoding)
    return text


def _utf16_or_32(data: bytes) -> str | None:
    """The wide encoding of `data`: from its byte-order mark, or for BOM-less UTF-16 (which some
    Windows tools write) from where the NUL bytes of ASCII characters fall."""
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "utf-32"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    sample = data[:8192]
    if len(sample) < 16 or b"\x00" not in sample:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > len(odd) * 0.4 and even.count(0) < len(even) * 0.05:
        return "utf-16-le"
    if even.count(0) > len(even) * 0.4 and odd.count(0) < len(odd) * 0.05:
        return "utf-16-be"
    return None


_WESTERN = ("cp1252", "latin_1", "iso8859_15")
# Linear on any line: the closing #s and spaces are stripped in Python, not by backtracking.
_HEADING = re.compile(r"(#{1,6})[ \t]+(\S.*)")
_FENCE = re.compile(r"^\s*(```|~~~)")


def markdown_sections(text: str) -> list[Section]:
    """Split a note at its ATX headings; each section carries its heading path ("A > B")."""
    sections: list[Section] = []
    path: list[tuple[int, str]] = []
    lines: list[str] = []
    in_fence = False

    def flush() -> None:
        body = "\n".join(lines).strip()
        if body:
            heading = " > ".join(title for _, title in path) or None
            sections.append(Section(text=body, heading=heading))
        lines.clear()

    for line in text.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if match:
            flush()
            level = len(match.group(1))
            path = [(lvl, title) for lvl, title in path if lvl < level]
            path.append((level, match.group(2).rstrip().rstrip("#").rstrip() or match.group(2).strip()))
            lines.append(line)  # keep the heading's words searchable inside its own section
        else:
            lines.append(line)
    flush()
    return sections


def load_note(path: Path) -> LoadedDocument:
    text = decode_text(path, path.read_bytes())
    if path.suffix.lower() in {".md", ".markdown"}:
        sections = markdown_sections(text)
    else:
        sections = [Section(text=text.strip())] if text.strip() else []
    if not sections:
        raise LoaderError(path, "no text in file (only whitespace)")
    return LoadedDocument(str(path), "note", sections, 0, [])
