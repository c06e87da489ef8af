"""One slide of a deck as the source viewer shows it: title, text, tables, speaker notes, and where
its shapes sit (for a drawn thumbnail). Read only from a file that is still the version the import
checked (the catalog's size and time): a deck changed since then is not opened here."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from quire.errors import LoaderError

MAX_PICTURE_BYTES = 4 * 2**20  # pictures larger than this are drawn as a box, not decoded


@dataclass(frozen=True)
class SlideBox:
    """A shape, placed in fractions of the slide's width and height."""

    kind: str  # title | text | picture | table | shape
    left: float
    top: float
    width: float
    height: float
    text: str = ""
    image: bytes | None = None


@dataclass(frozen=True)
class SlideView:
    number: int  # 1-based
    count: int
    title: str
    texts: tuple[str, ...]
    tables: tuple[tuple[tuple[str, ...], ...], ...]
    notes: str
    aspect: float  # width / height
    boxes: tuple[SlideBox, ...] = field(default=())


def read_slide(path: Path, number: int) -> SlideView:
    from pptx import Presentation  # heavy: only when a slide citation is opened

    try:
        deck = Presentation(str(path))
    except Exception as exc:  # python-pptx raises many kinds for a broken deck
        raise LoaderError(path, f"cannot open the deck ({type(exc).__name__})") from None
    slides = list(deck.slides)
    if not 1 <= number <= len(slides):
        raise LoaderError(path, f"has no slide {number} (it has {len(slides)})")
    slide = slides[number - 1]
    width = int(deck.slide_width or 9144000)
    height = int(deck.slide_height or 5143500)
    title_shape = slide.shapes.title
    title = title_shape.text_frame.text.strip() if title_shape is not None else ""
    texts: list[str] = []
    tables: list[tuple[tuple[str, ...], ...]] = []
    boxes: list[SlideBox] = []
    for shape in _flatten(slide.shapes):
        is_title = title_shape is not None and shape.shape_id == title_shape.shape_id
        kind, text, image = "shape", "", None
        if getattr(shape, "has_table", False):
            rows = tuple(tuple(cell.text.strip() for cell in row.cells) for row in shape.table.rows)
            tables.append(rows)
            kind, text = "table", "\n".join(" | ".join(r) for r in rows)
        elif getattr(shape, "has_text_frame", False) and shape.text_frame.text.strip():
            text = shape.text_frame.text.strip()
            kind = "title" if is_title else "text"
            if not is_title:
                texts.append(text)
        elif shape.shape_type is not None and "PICTURE" in str(shape.shape_type):
            kind = "picture"
            blob = shape.image.blob
            image = blob if len(blob) <= MAX_PICTURE_BYTES else None
        if shape.left is None or shape.width is None:
            continue
        boxes.append(
            SlideBox(
                kind,
                shape.left / width,
                shape.top / height,
                shape.width / width,
                shape.height / height,
                text,
                image,
            )
        )
    notes = ""
    if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
        notes = slide.notes_slide.notes_text_frame.text.strip()
    return SlideView(
        number, len(slides), title, tuple(texts), tuple(tables), notes, width / height, tuple(boxes)
    )


def _flatten(shapes: object) -> list:  # type: ignore[type-arg]
    out = []
    for shape in shapes:  # type: ignore[attr-defined]
        children = getattr(shape, "shapes", None)
        if children is not None and "GROUP" in str(getattr(shape, "shape_type", "")):
            out.extend(_flatten(children))
        else:
            out.append(shape)
    return out
