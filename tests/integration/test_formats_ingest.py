"""Every new format through the real `quire ingest` and `quire search`: the right file and the
right place (page, slide or location) comes back, and the JSON keeps page/slide (null where they
do not apply) beside the location. Then the long cases through the reader process: a
million-row sheet streamed under a memory limit, and a 500-page scan that the time limit stops,
that reports its pages as it goes, and that the next import resumes."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

import hostile_formats
from fixtures import make_pptx
from helpers import run_cli
from quire.config import Settings
from quire.core import Quire
from quire.library.ingest import IngestProgress
from quire.library.reader_process import ReaderProcess
from quire.library.samples import make_docx, make_epub, make_scanned_pdf, make_xlsx


def _library(folder: Path) -> dict[str, tuple[str, int | None, int | None, str | None]]:
    """Writes one file per format; returns query → (file, page, slide, location) it must find."""
    folder.mkdir()
    make_docx(
        folder / "minutes.docx",
        [
            ("h1", "Harbour board"),
            ("h2", "Moorings"),
            ("p", "The board raised the mooring fee to 41 euros a night."),
        ],
    )
    rows: list[list[object]] = [["Berth", "Boat", "Skipper"]]
    rows += [[f"B{n}", f"boat {n}", f"skipper {n}"] for n in range(1, 120)]
    rows[77] = ["B77", "the red schooner Kittiwake", "Maud Ellery"]
    make_xlsx(folder / "berths.xlsx", {"Berths": rows})
    (folder / "crew.csv").write_text("name,role\nIsolde Brack,cook\nPiet Vos,deckhand\n", encoding="utf-8")
    (folder / "tides.html").write_text(
        "<html><head><title>Tides</title><script>var noise = 'quarantine beacon';</script></head><body>"
        "<nav>Home | Weather</nav><h1>Tides</h1><p>Spring tides flood the causeway twice a month.</p>"
        "</body></html>",
        encoding="utf-8",
    )
    make_epub(
        folder / "voyage.epub",
        [
            ("Landfall", "The schooner reached the island at dawn."),
            ("Storm", "A gale tore the foresail off Cape Wrath."),
        ],
    )
    chart = {"title": "Lobster catch by month", "categories": ["May", "June"], "series": {"Pots": [140, 260]}}
    make_pptx(folder / "catch.pptx", [{"title": "Season", "body": "An overview"}, {"chart": chart}])
    make_scanned_pdf(
        folder / "scan.pdf",
        [
            "The lighthouse keeper's log for the first week of March.",
            "The lamp was replaced with a modern LED lantern.",
        ],
    )
    return {
        "mooring fee 41 euros": ("minutes.docx", None, None, None),
        "red schooner Kittiwake Maud Ellery": ("berths.xlsx", None, None, "Berths rows"),
        "Isolde Brack cook": ("crew.csv", None, None, "rows 2\u20133"),
        "spring tides flood the causeway": ("tides.html", None, None, None),
        "gale tore the foresail Cape Wrath": ("voyage.epub", None, None, "chapter 2"),
        "lobster catch pots June": ("catch.pptx", None, 2, None),
        "lamp replaced modern LED lantern": ("scan.pdf", 2, None, None),
    }


def test_every_format_is_imported_and_found_where_it_is(tmp_path: Path, quire_home: Path) -> None:
    expected = _library(folder := tmp_path / "library")
    result = run_cli("ingest", str(folder), "--json", timeout=400)
    summary = json.loads(result.stdout)
    assert result.returncode == 0, result.stderr
    assert summary["added"] == 7 and not summary["failed"], summary

    quire = Quire(Settings.load(quire_home))
    for query, (name, page, slide, location) in expected.items():
        hit = quire.search(query, k=1)[0]
        assert (Path(hit.path).name, hit.page, hit.slide) == (name, page, slide), (query, hit)
        assert (hit.location or "").startswith(location or ""), (query, hit)
    found = json.loads(run_cli("search", "red schooner Kittiwake", "-k", "1", "--json").stdout)["hits"][0]
    assert {"page", "slide", "location", "heading", "path", "score", "text"} <= set(found)
    assert (found["page"], found["slide"], found["location"][:11]) == (None, None, "Berths rows")
    docx = quire.search("mooring fee 41 euros", k=1)[0]
    assert docx.where == "§ Harbour board > Moorings"
    sheet = quire.search("red schooner Kittiwake", k=1)[0]
    first, last = (int(n) for n in sheet.where.removeprefix("Berths rows ").split("\u2013"))
    assert first <= 78 <= last and sheet.text.startswith("Berth | Boat | Skipper\n")  # row 78, header on top
    assert "quarantine beacon" not in " ".join(h.text for h in quire.search("quarantine beacon", k=5))
    plain = run_cli("search", "red schooner Kittiwake", "-k", "1")
    assert f"berths.xlsx {sheet.where}" in plain.stdout  # the CLI's citation


def test_million_row_sheet_is_streamed_under_a_memory_limit(tmp_path: Path) -> None:
    """1,000,000 rows read in blocks that repeat the header, row numbers as the sheet shows them,
    under a 700 MB address-space limit (the whole sheet as cells would take several GB)."""
    sheet = hostile_formats.million_row_sheet(tmp_path / "big.xlsx")
    reader = ReaderProcess(memory_limit=700 * 2**20)
    try:
        started = time.perf_counter()
        reader.submit(str(sheet))
        document = reader.result(timeout=300)
        seconds = time.perf_counter() - started
    finally:
        reader.close()
    sections = document.sections
    assert sections[0].location.startswith("Sheet1 rows 2\u2013")  # type: ignore[union-attr]
    assert sections[-1].location.endswith("1000001")  # type: ignore[union-attr]
    assert all(s.text.startswith("label\n") for s in sections)
    assert sum(s.text.count("\n") for s in sections) == 1_000_000
    assert sections[-1].text.endswith("\nbuoy 1000000")
    assert seconds < 240  # ~45 s on the shared 2-core box


@pytest.fixture
def long_scan(tmp_path: Path) -> Path:
    return hostile_formats.long_scan(tmp_path / "scans" / "harbour-log.pdf", 500)


def _ocr_events(events: list[IngestProgress]) -> list[tuple[int, int]]:
    return [(e.page, e.pages) for e in events if e.pages]


def test_five_hundred_page_scan_stops_at_the_time_limit_and_resumes(
    long_scan: Path, quire_home: Path
) -> None:
    """Each import gets 20 s (OCR takes seconds a page): it stops with the page it reached, keeps
    those pages, and the next import (even a plain refresh of the library folders) goes on from there."""
    settings = Settings.load(quire_home)
    settings.set("ingest.file_timeout_s", 20)
    settings.save()
    reached = []
    for attempt in range(2):
        events: list[IngestProgress] = []
        quire = Quire(Settings.load(quire_home))
        summary = quire.ingest([long_scan.parent] if attempt == 0 else [], progress=events.append)
        ocr = _ocr_events(events)
        assert ocr and all(pages == 500 for _, pages in ocr)
        assert [page for page, _ in ocr] == sorted(page for page, _ in ocr)  # progress per page
        (failure,) = summary.failed
        page = ocr[-1][0]
        assert failure.error == (
            f"reading took over 20 s and was stopped at page {page} of the 500 that need OCR; "
            "the pages OCR'd so far are kept: import it again to go on"
        )
        if reached:  # resumed at the page the first import reached, not started over
            assert ocr[0] == (reached[-1], 500) and page >= reached[-1]
        reached.append(page)
    assert reached[-1] >= 1  # (how far each gets depends on the machine: ~10 pages on an idle laptop)


def test_cancelling_during_ocr_stops_at_once_and_keeps_the_file_pending(
    long_scan: Path, quire_home: Path
) -> None:
    quire = Quire(Settings.load(quire_home))
    cancel = threading.Event()
    events: list[IngestProgress] = []

    def on_progress(event: IngestProgress) -> None:
        events.append(event)
        if event.pages and event.page >= 1:
            cancel.set()

    started = time.perf_counter()
    summary = quire.ingest([long_scan], progress=on_progress, cancel=cancel)
    assert summary.cancelled and not summary.failed and summary.added == 0
    assert time.perf_counter() - started < 60
    assert str(long_scan) in quire.catalog.pending_imports()  # the next run finishes it
