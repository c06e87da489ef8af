"""PowerPoint decks, slide by slide: title, text frames, tables, groups and speaker notes."""

from __future__ import annotations

import zipfile
from pathlib import Path

from quire.errors import LoaderError
from quire.library.loaders.base import NESTED_TOO_DEEPLY, LoadedDocument, Section, brief
from quire.library.loaders.safety import check_zip, is_ole


def load_pptx(path: Path) -> LoadedDocument:
    if is_ole(path):
        raise LoaderError(
            path, "password-protected (or legacy .ppt) deck; remove the password or save as .pptx"
        )
    if not zipfile.is_zipfile(path):
        raise LoaderError(path, "not a valid .pptx (not a zip archive)")
    check_zip(path)
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
        raise LoaderError(path, "no text on any slide (images only?); OCR not supported yet")
    return LoadedDocument(str(path), "slides", sections, len(slides), [])


def _shape_texts(shape: object) -> list[str]:
    texts: list[str] = []
    if getattr(shape, "has_text_frame", False) and shape.text_frame.text.strip():  # type: ignore[attr-defined]
        texts.append(shape.text_frame.text.strip())  # type: ignore[attr-defined]
    if getattr(shape, "has_table", False):
        for row in shape.table.rows:  # type: ignore[attr-defined]
            cells = [cell.text.strip() for cell in row.cells]
            if any(cells):
                texts.append(" | ".join(cells))
    for child in getattr(shape, "shapes", []) or []:  # group shapes
        texts.extend(_shape_texts(child))
    return texts
