"""PDFs, page by page with their 1-based numbers; pages without a text layer are OCR'd (ocr.py)."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from quire.errors import LoaderError
from quire.library.loaders.base import NESTED_TOO_DEEPLY, LoadedDocument, ReadOptions, Section, brief

log = logging.getLogger(__name__)


def load_pdf(path: Path, options: ReadOptions) -> LoadedDocument:
    # pypdf runs nothing a PDF carries: JavaScript, /Launch, /URI and form actions are dictionaries
    # it never acts on, and it fetches nothing. Its own limits (pypdf >= 7: 75 MB per inflated
    # stream, page-tree depth, cyclic pages and xrefs) raise LimitReachedError, named below.
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, LimitReachedError

    with path.open("rb") as handle:
        head = handle.read(1024)
    if b"%PDF-" not in head:
        raise LoaderError(path, "not a PDF file (no %PDF header)")
    try:
        reader = PdfReader(str(path), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoaderError(path, "password-protected PDF; remove the password to import it")
        count = len(reader.pages)
    except LoaderError:
        raise
    except (FileNotDecryptedError, NotImplementedError) as exc:
        reason = "password-protected PDF; remove the password to import it"
        if isinstance(exc, NotImplementedError):  # an encryption scheme pypdf does not implement
            reason = f"encrypted PDF that Quire cannot open ({exc})"
        raise LoaderError(path, reason) from None
    except LimitReachedError as exc:
        raise LoaderError(path, _limit_reason(exc)) from None
    except RecursionError:
        raise LoaderError(path, NESTED_TOO_DEEPLY) from None
    except Exception as exc:  # pypdf on damaged bytes: any error it raises means a damaged file
        raise LoaderError(path, f"damaged or truncated PDF ({brief(exc)})") from None
    if count == 0:
        raise LoaderError(path, "PDF has no pages")
    sections: list[Section] = []
    warnings: list[str] = []
    bare: list[int] = []  # pages with no text layer: OCR's work
    for number in range(1, count + 1):
        try:
            text = reader.pages[number - 1].extract_text() or ""
        except LimitReachedError as exc:  # a bomb or a maze in one page condemns the file: hostile
            raise LoaderError(path, f"page {number}: {_limit_reason(exc)}") from None
        except RecursionError:
            raise LoaderError(path, f"page {number}: {NESTED_TOO_DEEPLY}") from None
        except Exception as exc:  # one damaged page must not cost the rest of the document
            log.warning("%s p.%d: %s", path, number, exc)
            warnings.append(f"page {number} could not be read ({type(exc).__name__})")
            continue
        text = _tidy(text)
        if text:
            sections.append(Section(text=text, page=number))
        # A scan: no text layer, or one with a stamped page number over a page image
        if not text or (len(text) < OCR_BELOW_CHARS and _has_image(reader.pages[number - 1])):
            bare.append(number)
    unreadable = list(warnings)  # pages the parser failed on (OCR adds notes of its own below)
    if bare and options.ocr:
        sections = _with_ocr(path, sections, bare, options, warnings)
    if not sections and unreadable:
        raise LoaderError(path, f"damaged PDF: no page could be read ({unreadable[0]})")
    if not sections:
        if not options.ocr:
            raise LoaderError(path, "no extractable text (scanned PDF?); OCR is turned off (ocr.enabled)")
        raise LoaderError(
            path, f"no extractable text: no text layer, and OCR found no words on its {count} pages"
        )
    return LoadedDocument(str(path), "pdf", sections, count, warnings)


# A page whose text layer has fewer characters than this is OCR'd (a scan often carries a stamped
# page number or a header and nothing else); the longer of the two readings is kept.
OCR_BELOW_CHARS = 20


def _pages(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:10])
    return f"p. {shown}" + (f" and {len(numbers) - 10} more" if len(numbers) > 10 else "")


def _has_image(page: object) -> bool:
    """Whether the page draws an image XObject of its own (a scanned page does)."""
    try:
        xobjects = page["/Resources"]["/XObject"]  # type: ignore[index]
        return any(xobjects[name].get("/Subtype") == "/Image" for name in xobjects)
    except Exception:  # no resources, or damaged ones: not a page worth OCR
        return False


def _with_ocr(
    path: Path, sections: list[Section], bare: list[int], options: ReadOptions, warnings: list[str]
) -> list[Section]:
    from quire.library.loaders.ocr import ocr_pdf_pages

    texts, problems = ocr_pdf_pages(path, bare, options)
    warnings.extend(problems)
    by_page = {s.page: s for s in sections}
    unread = [n for n in bare if n not in texts and n not in by_page]
    if unread:  # blank pages, or pictures without words: said once, in the log
        warnings.append(f"no extractable text on {_pages(unread)}: OCR found no words there")
    for number, text in texts.items():
        layer = by_page.get(number)
        if layer is None or len(text) > len(layer.text):
            by_page[number] = Section(text=text, page=number)
    return [by_page[n] for n in sorted(by_page, key=lambda n: n or 0)]


def _limit_reason(exc: Exception) -> str:
    """pypdf's LimitReachedError in words: a bomb is "too large", a maze is "too complex"."""
    message = brief(exc).rstrip(".")
    lowered = message.lower()
    if "decompress" in lowered:
        return "too large to read: a compressed stream inflates past 75 MB (a decompression bomb?)"
    if any(word in lowered for word in ("size", "length", "decoding", "memory")):
        return f"too large to read ({message})"
    return f"too complex to read safely ({message})"


def _tidy(text: str) -> str:
    # Line by line, not with a regex over the page: `[ \t]+\n` is quadratic on a long run of spaces.
    text = "\n".join(line.rstrip(" \t") for line in text.replace("\x00", "").split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()
