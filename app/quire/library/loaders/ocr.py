"""Offline OCR for PDF pages without a text layer and for .png/.jpg images: RapidOCR (PP-OCRv4
detection and recognition, ONNX models carried in its wheel), pages rendered by pypdfium2.

OCR'd pages are kept in a cache (one line per page, keyed by the file's SHA-256 and the
resolution) as they are read, so an import stopped by the time limit, a crash or the user
resumes at the page it had reached."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from quire.errors import LoaderError
from quire.library.loaders.base import LoadedDocument, ReadOptions, Section

log = logging.getLogger(__name__)

OCR_MAX_PIXELS = 40_000_000  # a render beyond this (a poster-sized page) is scaled down to fit
IMAGE_MAX_PIXELS = 100_000_000  # an image file beyond this is refused unread (a decompression bomb?)
ENGINE_VERSION = "rapidocr-onnxruntime-1.4/ppocrv4/unclip2"  # in the cache key: new engine, new text
NOT_INSTALLED = "OCR is not installed (the rapidocr-onnxruntime package)"

_engine: Any = None
_engine_lock = threading.Lock()


def engine(path: Path) -> Any:
    """The one RapidOCR instance of this process (its models take about a second to load)."""
    global _engine
    with _engine_lock:
        if _engine is None:
            try:
                from rapidocr_onnxruntime import RapidOCR  # lazy: onnxruntime and OpenCV, ~0.5 s
            except ImportError:
                raise LoaderError(path, NOT_INSTALLED) from None
            # No orientation classifier: on upright pages it turned whole lines upside down (0.22 of
            # the words of a test page read, against 0.98 without it). A wider box around each line
            # (unclip 2.0, default 1.6) keeps the spaces between words, which the Chinese-English
            # recognition model otherwise drops on tightly cropped Latin text.
            _engine = RapidOCR(use_cls=False, det_unclip_ratio=2.0, print_verbose=False)
        return _engine


def ocr_text(image: Any, path: Path) -> str:
    """The words of one grayscale or colour image (a numpy array), as lines in reading order."""
    result, _ = engine(path)(image)
    return _lines(result or [])


def _lines(result: list[Any]) -> str:
    """Boxes in lines: RapidOCR returns them top to bottom; boxes whose middles share a line's
    height join that line, a gap of more than a line's height starts a new paragraph."""
    rows: list[tuple[float, float, list[tuple[float, str]]]] = []  # (middle y, height, [(x, text)])
    for box, text, _score in result:
        text = text.strip()
        if not text:
            continue
        ys = [point[1] for point in box]
        top, bottom = min(ys), max(ys)
        middle, height = (top + bottom) / 2, max(1.0, bottom - top)
        x = min(point[0] for point in box)
        if rows and abs(rows[-1][0] - middle) < rows[-1][1] / 2:
            rows[-1][2].append((x, text))
        else:
            rows.append((middle, height, [(x, text)]))
    lines: list[str] = []
    previous: tuple[float, float] | None = None
    for middle, height, words in rows:
        if previous is not None and middle - previous[0] > 1.9 * max(height, previous[1]):
            lines.append("")
        lines.append(" ".join(text for _, text in sorted(words)))
        previous = (middle, height)
    return "\n".join(lines).strip()


def render_page(page: Any, dpi: int) -> Any:
    """A PDF page (pypdfium2) as a grayscale array at `dpi`, scaled down to OCR_MAX_PIXELS; None
    for a blank page (nothing to read, no OCR spent on it)."""
    width, height = page.get_size()  # points
    scale = dpi / 72
    pixels = width * height * scale * scale
    if pixels > OCR_MAX_PIXELS:
        scale *= (OCR_MAX_PIXELS / pixels) ** 0.5
    image = page.render(scale=scale, grayscale=True).to_numpy()
    if image.ndim == 3:
        image = image[:, :, 0]
    return None if _blank(image) else image


def _blank(image: Any) -> bool:
    """Nothing but paper: fewer pixels stand out from the page's usual shade than one short word
    has (a one-line page of 12 pt text at 150 dpi has thousands)."""
    import numpy as np

    if image.size == 0:
        return True
    background = int(np.median(image[:: max(1, image.shape[0] // 200), :: max(1, image.shape[1] // 200)]))
    return int(np.count_nonzero(np.abs(image.astype(np.int16) - background) > 80)) < BLANK_PIXELS


BLANK_PIXELS = 60  # a full stop at 150 dpi is about 10 pixels, a short word a few hundred


class PageCache:
    """OCR'd pages of one file version, appended as each page is read (a kill loses one page)."""

    def __init__(self, folder: Path | None, path: Path, dpi: int) -> None:
        self.pages: dict[int, str] = {}
        self.file: Path | None = None
        if folder is None:
            return
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
        key = hashlib.sha256(f"{digest.hexdigest()}\0{dpi}\0{ENGINE_VERSION}".encode()).hexdigest()[:32]
        self.file = folder / f"{key}.jsonl"
        try:
            for line in self.file.read_text(encoding="utf-8").splitlines():
                try:
                    entry = json.loads(line)
                    self.pages[int(entry["page"])] = str(entry["text"])
                except (ValueError, KeyError, TypeError):
                    continue  # the line a kill cut short
        except FileNotFoundError:
            pass
        except OSError as exc:
            log.warning("OCR cache %s unreadable: %s", self.file, exc)

    def add(self, page: int, text: str) -> None:
        self.pages[page] = text
        if self.file is None:
            return
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            with self.file.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps({"page": page, "text": text}, ensure_ascii=False) + "\n")
        except OSError as exc:  # a full or read-only disk costs the resume, not the import
            log.warning("OCR cache %s not written: %s", self.file, exc)
            self.file = None


def ocr_pdf_pages(path: Path, numbers: list[int], options: ReadOptions) -> tuple[dict[int, str], list[str]]:
    """OCR the given 1-based pages of a PDF: their text (pages with no words left out) and warnings
    for pages that could not be rendered. Reports (done, total) after each page."""
    import pypdfium2 as pdfium  # lazy: only scanned pages need the renderer

    cache = PageCache(options.ocr_cache, path, options.ocr_dpi)
    report: Callable[[int, int], None] = options.progress or (lambda _done, _total: None)
    texts: dict[int, str] = {}
    warnings: list[str] = []
    todo = [n for n in numbers if n not in cache.pages]
    done = len(numbers) - len(todo)
    report(done, len(numbers))
    if todo:
        try:
            document = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError as exc:
            raise LoaderError(path, f"OCR: the page renderer cannot open this PDF ({exc})") from None
        try:
            for number in todo:
                try:
                    image = render_page(document[number - 1], options.ocr_dpi)
                except (pdfium.PdfiumError, ValueError) as exc:
                    warnings.append(f"page {number} could not be rendered for OCR ({exc})")
                    continue
                cache.add(number, "" if image is None else ocr_text(image, path))
                done += 1
                report(done, len(numbers))
        finally:
            document.close()
    for number in numbers:
        text = cache.pages.get(number, "")
        if text.strip():
            texts[number] = text
    return texts, warnings


def _too_large(pixels: int) -> str:
    return (
        f"image too large to read: {pixels / 1e6:,.0f} megapixels (limit {IMAGE_MAX_PIXELS / 1e6:,.0f}; "
        "a decompression bomb?)"
    )


def load_image(path: Path, options: ReadOptions) -> LoadedDocument:
    """A photo or scan of a page (.png/.jpg): its words by OCR, cited by the file name."""
    if not options.ocr:
        raise LoaderError(path, "an image: its words need OCR, which is turned off (ocr.enabled)")
    from PIL import Image, UnidentifiedImageError  # lazy: Pillow comes with the OCR engine

    try:
        with Image.open(path) as image:
            width, height = image.size
            if width * height > IMAGE_MAX_PIXELS:
                raise LoaderError(path, _too_large(width * height))
            image.draft("L", (4000, 4000))  # a JPEG decodes straight to a smaller size when it can
            gray = image.convert("L")
            if max(gray.size) > 4000:
                gray.thumbnail((4000, 4000))
            import numpy as np

            pixels = np.asarray(gray)
    except LoaderError:
        raise
    except Image.DecompressionBombError as exc:  # Pillow's own check, on opening: past 179 megapixels
        found = re.search(r"\((\d+) pixels\)", str(exc))
        raise LoaderError(
            path, _too_large(int(found.group(1))) if found else f"image too large ({exc})"
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise LoaderError(path, f"not a readable image ({type(exc).__name__}: {exc})") from None
    cache = PageCache(options.ocr_cache, path, 0)
    report = options.progress or (lambda _done, _total: None)
    report(0, 1)
    text = cache.pages.get(1)
    if text is None:
        text = "" if _blank(pixels) else ocr_text(pixels, path)
        cache.add(1, text)
    report(1, 1)
    if not text.strip():
        raise LoaderError(path, "no extractable text: OCR found no words in the image")
    return LoadedDocument(str(path), "image", [Section(text=text)], 0, [])
