"""PowerPoint decks, slide by slide: title, text frames, tables, charts (as small tables), SmartArt,
grouped shapes, pictures' alt text and speaker notes."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from quire.errors import LoaderError
from quire.library.loaders.base import NESTED_TOO_DEEPLY, LoadedDocument, Section, brief
from quire.library.loaders.safety import check_zip, is_ole, xml_parser


def load_pptx(path: Path) -> LoadedDocument:
    if is_ole(path):
        raise LoaderError(
            path, "password-protected (or legacy .ppt) deck; remove the password or save as .pptx"
        )
    if not zipfile.is_zipfile(path):
        raise LoaderError(path, "not a valid .pptx (not a zip archive)")
    check_zip(path)  # (python-pptx's parser resolves no entity: a deck with a DTD is read, safely)
    from pptx import Presentation

    try:
        deck = Presentation(str(path))
        slides = list(deck.slides)
    except RecursionError:
        raise LoaderError(path, NESTED_TOO_DEEPLY) from None
    except zipfile.BadZipFile as exc:
        raise LoaderError(path, f"damaged .pptx ({brief(exc)})") from None
    except Exception as exc:  # python-pptx and lxml on a damaged or foreign package
        raise LoaderError(path, f"not a valid .pptx ({brief(exc)})") from None
    try:
        return _deck_document(path, slides)
    except RecursionError:
        raise LoaderError(path, NESTED_TOO_DEEPLY) from None
    except zipfile.BadZipFile as exc:
        raise LoaderError(path, f"damaged .pptx ({brief(exc)})") from None
    except (KeyError, ValueError, AttributeError, TypeError, IndexError) as exc:
        raise LoaderError(path, f"damaged slide content ({brief(exc)})") from None


def _deck_document(path: Path, slides: list) -> LoadedDocument:  # type: ignore[type-arg]
    sections: list[Section] = []
    for number, slide in enumerate(slides, start=1):
        title_shape = slide.shapes.title
        title = title_shape.text_frame.text.strip() if title_shape is not None else ""
        parts = [title] if title else []
        for shape in slide.shapes:
            if title_shape is not None and shape.shape_id == title_shape.shape_id:
                continue
            parts.extend(_shape_texts(shape))
        if slide.has_notes_slide:
            notes = slide.notes_slide.notes_text_frame
            if notes is not None and notes.text.strip():
                parts.append("Speaker notes: " + notes.text.strip())
        text = "\n".join(p for p in parts if p.strip())
        if text.strip():
            sections.append(Section(text=text, slide=number, heading=title or None))
    if not sections:
        raise LoaderError(path, "no text on any slide (pictures only, without alt text?)")
    return LoadedDocument(str(path), "slides", sections, len(slides), [])


def _shape_texts(shape: Any) -> list[str]:
    texts: list[str] = []
    if getattr(shape, "has_text_frame", False) and shape.text_frame.text.strip():
        texts.append(shape.text_frame.text.strip())
    if getattr(shape, "has_table", False):
        for row in shape.table.rows:
            cells = [cell.text.strip() for cell in row.cells]
            if any(cells):
                texts.append(" | ".join(cells))
    if getattr(shape, "has_chart", False):
        texts.extend(chart_texts(shape.chart))
    texts.extend(_smartart_texts(shape))
    alt = _alt_text(shape)
    if alt:
        texts.append(f"Image: {alt}")
    for child in getattr(shape, "shapes", []) or []:  # group shapes, nested to any depth
        texts.extend(_shape_texts(child))
    return texts


def chart_texts(chart: Any) -> list[str]:
    """A chart as a small table: its title, then one row per category with each series' value
    (the values the deck caches, which PowerPoint shows)."""
    texts = []
    if chart.has_title and chart.chart_title.has_text_frame:
        title = chart.chart_title.text_frame.text.strip()
        if title:
            texts.append(f"Chart: {title}")
    for plot in chart.plots:
        series = list(plot.series)
        if not series:
            continue
        try:
            categories = [str(c) for c in plot.categories]
        except (AttributeError, KeyError, ValueError, TypeError):  # XY and bubble plots have none
            categories = []
        names = [s.name or f"Series {n}" for n, s in enumerate(series, start=1)]
        values = [list(s.values) for s in series]
        rows = max([len(categories), *(len(v) for v in values)])
        lines = [" | ".join(["Category", *names])]
        for r in range(min(rows, CHART_MAX_ROWS)):
            label = categories[r] if r < len(categories) else str(r + 1)
            cells = [_number(v[r]) if r < len(v) else "" for v in values]
            lines.append(" | ".join([label, *cells]))
        texts.append("\n".join(lines))
    return texts


CHART_MAX_ROWS = 500  # a chart of more points is data, not words: its first rows are enough


def _number(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.10g}" if isinstance(value, float) else str(value)


_DIAGRAM = "http://schemas.openxmlformats.org/drawingml/2006/diagram"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def _smartart_texts(shape: Any) -> list[str]:
    """SmartArt's words live in the diagram's data part, which python-pptx does not read."""
    element = getattr(shape, "_element", None)
    if element is None or not element.tag.endswith("graphicFrame"):
        return []
    data = element.find(f".//{_A}graphicData")
    if data is None or data.get("uri") != _DIAGRAM:
        return []
    ids = data.find(f"{{{_DIAGRAM}}}relIds")
    rel = ids.get(f"{_R}dm") if ids is not None else None
    if not rel:
        return []
    from lxml import etree

    part = shape.part.related_part(rel)
    root = etree.fromstring(part.blob, xml_parser())
    lines = []
    for point in root.iter(f"{{{_DIAGRAM}}}pt"):
        words = " ".join("".join(t.text or "" for t in point.iter(f"{_A}t")).split())
        if words:
            lines.append(words)
    return ["\n".join(lines)] if lines else []


def _alt_text(shape: Any) -> str:
    """A picture's description (alt text), which screen readers read and search should find."""
    element = getattr(shape, "_element", None)
    if element is None or not element.tag.endswith("}pic") or len(element) == 0:
        return ""
    properties = element[0].find(f"{_P}cNvPr")
    if properties is None:
        return ""
    return " ".join((properties.get("descr") or properties.get("title") or "").split())
