"""A document's date and its source: front matter, title, file name, PDF/pptx metadata, mtime."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import pytest

from quire.bench.meetings import _decks, _reports
from quire.library.dates import (
    FILE_NAME,
    FRONT_MATTER,
    MODIFIED,
    PDF_METADATA,
    PPTX_PROPERTIES,
    TITLE,
    document_date,
    find_date,
    pdf_creation_date,
    pptx_created_date,
    title_line,
)

OCT21 = dt.date(2021, 10, 21)


@pytest.mark.parametrize(
    "text",
    [
        "Meeting 2021-10-21",
        "notes_2021_10_21.md",
        "20211021-acme.md",
        "acme 21 Oct 2021.md",
        "acme-Oct-21-2021.md",
        "Review — October 21st, 2021",
        "the 21st of October 2021",
        "2021/10/21 standup",
        "21-Oct-2021",
    ],
)
def test_dates_in_the_forms_people_write(text: str) -> None:
    assert find_date(text) == OCT21


@pytest.mark.parametrize(
    "text",
    [
        "report-2-final.md",
        "Chapter 12",
        "v20211321",
        "2021-13-01",
        "Decision 21 2021",
        "build 1234567890",
        "",
    ],
)
def test_numbers_that_are_not_dates(text: str) -> None:
    assert find_date(text) is None


def test_the_first_date_written_wins() -> None:
    assert find_date("Follow-up of 2021-10-21 (moved from 3 Nov 2021)") == OCT21


def _write(path: Path, text: str, day: dt.date = dt.date(2020, 2, 2)) -> os.stat_result:
    path.write_text(text, encoding="utf-8")
    stamp = time.mktime(dt.datetime.combine(day, dt.time(12)).timetuple())
    os.utime(path, (stamp, stamp))
    return path.stat()


def test_sources_in_order(tmp_path: Path) -> None:
    front = tmp_path / "2019-01-01-notes.md"
    st = _write(front, "---\ntitle: x\ndate: 2021-10-21\n---\n# Meeting 2020-05-05\n\nBody.")
    assert document_date(front, "note", "", st.st_mtime_ns) == document_date(
        front, "note", "", st.st_mtime_ns
    )
    found = document_date(front, "note", "", st.st_mtime_ns)
    assert (found.date, found.source) == (OCT21, FRONT_MATTER)

    titled = tmp_path / "2019-01-01-notes2.md"
    st = _write(titled, "# Meeting 21 Oct 2021\n\nBody, written 3 May 2020.")
    found = document_date(titled, "note", "", st.st_mtime_ns)
    assert (found.date, found.source) == (OCT21, TITLE)

    named = tmp_path / "acme-Oct-21-2021.md"
    st = _write(named, "# Meeting with Acme\n\nNo date in the text before 2020-01-01 appears here.")
    found = document_date(named, "note", "", st.st_mtime_ns)
    assert (found.date, found.source) == (OCT21, FILE_NAME)

    plain = tmp_path / "acme.md"
    st = _write(plain, "# Meeting with Acme\n\nBody.", OCT21)
    found = document_date(plain, "note", "", st.st_mtime_ns)
    assert (found.date, found.source) == (OCT21, MODIFIED)


def test_title_is_the_first_heading_or_line() -> None:
    assert title_line("---\ndate: 2020-01-01\n---\n\n# Weekly sync\n\ntext") == "Weekly sync"
    assert title_line("\n\nCustomer call 2021-10-21\nmore") == "Customer call 2021-10-21"


def test_pdf_and_deck_metadata(tmp_path: Path) -> None:
    reports = _reports(tmp_path / "r")
    decks = _decks(tmp_path / "d")
    for made in reports + decks:
        reader = pdf_creation_date if made.kind == "pdf" else pptx_created_date
        assert reader(made.path) == made.date
        found = document_date(made.path, made.kind, "Customer health report.", made.path.stat().st_mtime_ns)
        assert (found.date, found.source) == (
            made.date,
            PDF_METADATA if made.kind == "pdf" else PPTX_PROPERTIES,
        )


def test_damaged_metadata_falls_back_to_mtime(tmp_path: Path) -> None:
    deck = tmp_path / "broken.pptx"
    st = _write(deck, "not a zip at all", OCT21)
    found = document_date(deck, "slides", "", st.st_mtime_ns)
    assert (found.date, found.source) == (OCT21, MODIFIED)
    pdf = tmp_path / "broken.pdf"
    st = _write(pdf, "%PDF-1.4 /CreationDate (D:20219999)", OCT21)
    assert document_date(pdf, "pdf", "", st.st_mtime_ns).source == MODIFIED
