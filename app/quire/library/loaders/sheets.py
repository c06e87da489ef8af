"""Spreadsheets (.xlsx through openpyxl in read-only mode, streamed) and .csv/.tsv: blocks of rows
that each repeat the header row, cited as "Sheet1 rows 12–30". Cells read as they are shown
(percentages, thousands separators, dates), formulas by their cached value."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from quire.errors import LoaderError
from quire.library.loaders.base import NESTED_TOO_DEEPLY, LoadedDocument, Section, brief
from quire.library.loaders.safety import check_zip, is_ole, scan_zip_xml
from quire.library.loaders.text import decode_text

# Rows are grouped into blocks of about this many characters, each beginning with the header row,
# so that one chunk (ingest.chunk_chars, 900 by default) is one block.
ROW_BLOCK_CHARS = 800
CELL_CHARS = 2_000  # a cell longer than this is cut: a sheet is not the place for an essay
CSV_FIELD_LIMIT = 16 * 1024**2  # csv's own limit (128 KiB) fails files Excel writes happily


def load_xlsx(path: Path) -> LoadedDocument:
    if is_ole(path):
        raise LoaderError(
            path, "password-protected (or legacy .xls) workbook; remove the password or save as .xlsx"
        )
    if not zipfile.is_zipfile(path):
        raise LoaderError(path, "not a valid .xlsx (not a zip archive)")
    check_zip(path, ".xlsx", "workbook")
    scan_zip_xml(path, ".xlsx")
    import openpyxl  # lazy: openpyxl takes 200 ms to import

    try:
        # read_only streams each sheet's XML (a million rows never sit in memory at once);
        # data_only gives formulas' cached values, as Excel last computed and showed them.
        book = openpyxl.load_workbook(str(path), read_only=True, data_only=True)
    except RecursionError:
        raise LoaderError(path, NESTED_TOO_DEEPLY) from None
    except zipfile.BadZipFile as exc:
        raise LoaderError(path, f"damaged .xlsx ({brief(exc)})") from None
    except Exception as exc:  # openpyxl on a damaged or foreign package
        raise LoaderError(path, f"not a valid .xlsx ({brief(exc)})") from None
    sections: list[Section] = []
    warnings: list[str] = []
    try:
        for sheet in book.worksheets:
            if getattr(sheet, "sheet_state", "visible") == "veryHidden":
                continue
            if not hasattr(sheet, "iter_rows"):  # a chart sheet
                continue
            sheet.reset_dimensions()  # trust the rows present, not a declared A1:XFD1048576
            rows = ((n, [_shown(c) for c in row]) for n, row in enumerate(sheet.iter_rows(), start=1))
            sections += row_sections(rows, sheet.title)
    except RecursionError:
        raise LoaderError(path, NESTED_TOO_DEEPLY) from None
    except zipfile.BadZipFile as exc:
        raise LoaderError(path, f"damaged .xlsx ({brief(exc)})") from None
    except (KeyError, ValueError, AttributeError, TypeError, IndexError, SyntaxError) as exc:
        raise LoaderError(path, f"damaged sheet content ({brief(exc)})") from None
    finally:
        book.close()
    if not sections:
        raise LoaderError(path, "no values in any sheet")
    return LoadedDocument(str(path), "sheet", sections, 0, warnings)


def load_delimited(path: Path) -> LoadedDocument:
    text = decode_text(path, path.read_bytes())
    if path.suffix.lower() == ".tsv":
        delimiter = "\t"
    else:
        try:
            delimiter = csv.Sniffer().sniff(text[: 64 * 1024], delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    csv.field_size_limit(CSV_FIELD_LIMIT)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        sections = row_sections(((n, row) for n, row in enumerate(reader, start=1)), None)
    except csv.Error as exc:
        raise LoaderError(path, f"damaged {path.suffix.lower()} ({brief(exc)})") from None
    if not sections:
        raise LoaderError(path, "no values in the file")
    return LoadedDocument(str(path), "sheet", sections, 0, [])


def row_sections(rows: Iterable[tuple[int, list[str]]], sheet: str | None) -> list[Section]:
    """Blocks of non-empty rows, each repeating the header (the first non-empty row), located as
    "Sheet1 rows 12–30" (row numbers as the spreadsheet shows them)."""
    sections: list[Section] = []
    header: str | None = None
    header_row = 0
    block: list[str] = []
    first = last = 0
    size = 0

    def flush() -> None:
        if header is None:
            return
        if block:
            text = "\n".join([header, *block])
            where = f"row {first}" if first == last else f"rows {first}\u2013{last}"
        else:  # a sheet with only its header row
            text, where = header, f"row {header_row}"
        sections.append(Section(text=text, heading=sheet, location=f"{sheet} {where}" if sheet else where))

    for number, cells in rows:
        line = _row_line(cells)
        if not line:
            continue
        if header is None:
            header, header_row, size = line, number, len(line)
            continue
        if block and size + len(line) + 1 > ROW_BLOCK_CHARS:
            flush()
            block, size = [], len(header)
        if not block:
            first = number
        block.append(line)
        last = number
        size += len(line) + 1
    if header is not None:
        flush()
    return sections


def _row_line(cells: list[str]) -> str:
    while cells and not cells[-1]:
        cells = cells[:-1]
    if not cells:
        return ""
    return " | ".join(" ".join(str(c).split())[:CELL_CHARS] for c in cells)


def _shown(cell: Any) -> str:
    """A cell's value as the spreadsheet shows it, as far as its number format says."""
    value = getattr(cell, "value", None)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, int | float):
        return format_number(value, getattr(cell, "number_format", "General") or "General")
    return str(value)


_DECIMALS = re.compile(r"0\.(0+)")
_CURRENCY = re.compile(r"[$€£¥]|\[\$([^\]-]+)")


def format_number(value: float, number_format: str) -> str:
    """Enough of Excel's number formats for a search to match what the user saw: decimals,
    thousands separators, percentages and a currency symbol. Anything else reads as General."""
    fmt = number_format.split(";")[0]
    if fmt in ("General", "@", ""):
        return _general(value)
    places = len(match.group(1)) if (match := _DECIMALS.search(fmt)) else 0
    if "%" in fmt:
        return f"{value * 100:,.{places}f}%" if "," in fmt else f"{value * 100:.{places}f}%"
    if "E+" in fmt.upper():
        return f"{value:.{places}E}"
    text = f"{value:,.{places}f}" if "#,##" in fmt else f"{value:.{places}f}"
    currency = _CURRENCY.search(fmt)
    if currency:
        symbol = currency.group(1) or currency.group(0)
        text = f"{symbol}{text}" if fmt.find(symbol) < fmt.find("0") else f"{text} {symbol}"
    return text


def _general(value: float) -> str:
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and abs(value) < 1e15):
        return str(int(value))
    return f"{value:.10g}"
