"""Word documents (.docx): headings become the heading path, paragraphs and lists are kept, tables
are cut into blocks of rows that each repeat the header row, and footnotes and comments follow."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from quire.errors import LoaderError
from quire.library.loaders.base import NESTED_TOO_DEEPLY, LoadedDocument, Section, brief
from quire.library.loaders.safety import check_zip, is_ole, scan_zip_xml, xml_parser

# A table's rows are grouped into blocks of about this many characters, each starting with the
# header row, so that a chunk (ingest.chunk_chars, 900 by default) holds a whole block and a row
# is never read without the names of its columns.
TABLE_BLOCK_CHARS = 800

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_HEADING_STYLE = re.compile(r"heading\s*(\d)", re.IGNORECASE)


def load_docx(path: Path) -> LoadedDocument:
    if is_ole(path):
        raise LoaderError(
            path, "password-protected (or legacy .doc) document; remove the password or save as .docx"
        )
    if not zipfile.is_zipfile(path):
        raise LoaderError(path, "not a valid .docx (not a zip archive)")
    check_zip(path, ".docx", "document")
    scan_zip_xml(path, ".docx")
    import docx  # lazy: python-docx and lxml cost 100 ms to import

    try:
        document = docx.Document(str(path))
    except RecursionError:
        raise LoaderError(path, NESTED_TOO_DEEPLY) from None
    except zipfile.BadZipFile as exc:
        raise LoaderError(path, f"damaged .docx ({brief(exc)})") from None
    except Exception as exc:  # python-docx and lxml on a damaged or foreign package
        raise LoaderError(path, f"not a valid .docx ({brief(exc)})") from None
    warnings: list[str] = []
    try:
        sections = list(_body_sections(document))
        sections += _notes_sections(document, warnings)
    except RecursionError:
        raise LoaderError(path, NESTED_TOO_DEEPLY) from None
    except (KeyError, ValueError, AttributeError, TypeError, IndexError) as exc:
        raise LoaderError(path, f"damaged document content ({brief(exc)})") from None
    if not sections:
        raise LoaderError(path, "no text in the document (images only?)")
    return LoadedDocument(str(path), "document", sections, 0, warnings)


def _blocks(parent: Any, container: Any) -> Iterator[Any]:
    """Paragraphs and tables in reading order, including those inside content controls (w:sdt:
    cover pages, tables of contents), which python-docx's own iteration skips."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in container.iterchildren():
        if child.tag == f"{_W}p":
            yield Paragraph(child, parent)
        elif child.tag == f"{_W}tbl":
            yield Table(child, parent)
        elif child.tag == f"{_W}sdt":
            content = child.find(f"{_W}sdtContent")
            if content is not None:
                yield from _blocks(parent, content)


def _body_sections(document: Any) -> Iterator[Section]:
    from docx.table import Table

    path: list[tuple[int, str]] = []
    lines: list[str] = []

    def heading() -> str | None:
        return " > ".join(title for _, title in path) or None

    def flush() -> Iterator[Section]:
        body = "\n".join(lines).strip()
        if body:
            yield Section(text=body, heading=heading())
        lines.clear()

    for block in _blocks(document, document.element.body):
        if isinstance(block, Table):
            yield from flush()
            for text in table_blocks(_table_rows(block)):
                yield Section(text=text, heading=heading())
            continue
        text = block.text.strip()
        if not text:
            continue
        level = _heading_level(block)
        if level is not None:
            yield from flush()
            path = [(lvl, title) for lvl, title in path if lvl < level]
            path.append((level, " ".join(text.split())))
            lines.append(text)  # the heading's words stay searchable inside its own section
        elif _is_list_item(block):
            lines.append(f"• {text}")
        else:
            lines.append(text)
    yield from flush()


def _heading_level(paragraph: Any) -> int | None:
    """1-9 for Heading 1-9 (by style name or outline level), 0 for Title, None for body text."""
    style = paragraph.style
    name = (style.name or "") if style is not None else ""
    if name.lower() == "title":
        return 0
    match = _HEADING_STYLE.fullmatch(name.strip())
    if match:
        return int(match.group(1))
    for element in (paragraph._p.pPr, getattr(style, "element", None)):
        level = _outline_level(element)
        if level is not None:
            return level
    return None


def _outline_level(element: Any) -> int | None:
    if element is None:
        return None
    found = element.find(f".//{_W}outlineLvl")
    if found is None:
        return None
    try:
        value = int(found.get(f"{_W}val"))
    except (TypeError, ValueError):
        return None
    return value + 1 if 0 <= value < 9 else None  # 9 means body text


def _is_list_item(paragraph: Any) -> bool:
    ppr = paragraph._p.pPr
    if ppr is not None and ppr.find(f"{_W}numPr") is not None:
        return True
    style = paragraph.style
    return style is not None and "list" in (style.name or "").lower()


def _table_rows(table: Any) -> list[list[str]]:
    rows = []
    for row in table.rows:
        cells: list[str] = []
        seen: set[int] = set()
        for cell in row.cells:  # a merged cell comes back once per grid column it spans
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(cell.text.split()))
        if any(cells):
            rows.append(cells)
    return rows


def table_blocks(rows: list[list[str]], limit: int = TABLE_BLOCK_CHARS) -> list[str]:
    """Rows as "a | b | c" lines, in blocks of about `limit` characters that each begin with the
    header (first) row."""
    if not rows:
        return []
    header = " | ".join(rows[0])
    if len(rows) == 1:
        return [header]
    blocks: list[str] = []
    current: list[str] = []
    size = len(header)
    for row in rows[1:]:
        line = " | ".join(row)
        if current and size + len(line) + 1 > limit:
            blocks.append("\n".join([header, *current]))
            current, size = [], len(header)
        current.append(line)
        size += len(line) + 1
    blocks.append("\n".join([header, *current]))
    return blocks


def _notes_sections(document: Any, warnings: list[str]) -> list[Section]:
    """Footnotes, endnotes and comments, read from their parts (python-docx has no reader for the
    first two): one section each, after the body."""
    from lxml import etree

    wanted = {
        "/word/footnotes.xml": ("Footnotes", "footnote", "Footnote"),
        "/word/endnotes.xml": ("Endnotes", "endnote", "Endnote"),
        "/word/comments.xml": ("Comments", "comment", "Comment"),
    }
    sections = []
    for part in document.part.package.iter_parts():
        spec = wanted.get(str(part.partname))
        if spec is None:
            continue
        title, tag, label = spec
        try:
            root = etree.fromstring(part.blob, xml_parser())
        except etree.XMLSyntaxError as exc:  # a damaged notes part costs the notes, not the document
            warnings.append(f"{title.lower()} could not be read ({brief(exc)})")
            continue
        lines = []
        for note in root.iter(f"{_W}{tag}"):
            if note.get(f"{_W}type") in ("separator", "continuationSeparator", "continuationNotice"):
                continue
            paragraphs = ("".join(t.text or "" for t in p.iter(f"{_W}t")) for p in note.iter(f"{_W}p"))
            text = " ".join(" ".join(paragraphs).split())
            if not text:
                continue
            author = note.get(f"{_W}author")
            who = f" ({author})" if author and tag == "comment" else ""
            number = "" if tag == "comment" else f" {note.get(f'{_W}id', '')}"
            lines.append(f"{label}{number}{who}: {text}")
        if lines:
            sections.append(Section(text="\n".join(lines), heading=title))
    return sections
