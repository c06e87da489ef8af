"""Citations of the new formats open in the app: a spreadsheet's rows in the text viewer under
their location, a page read by OCR in the PDF viewer at that page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from quire.library.samples import make_scanned_pdf, make_xlsx


def _source(hit: Any, n: int = 1) -> Any:
    from quire.gui.history import Source

    return Source(n, hit.path, hit.page, hit.slide, hit.heading, hit.text, True, location=hit.location)


def test_sheet_and_ocr_citations_open_where_they_point(
    qtbot: Any, open_window: Any, home: Path, tmp_path: Path
) -> None:
    from quire.gui.pdf_viewer import PdfViewer
    from quire.gui.source_viewer import TextSourceViewer
    from quire.gui.viewers import qtpdf_available

    folder = tmp_path / "docs"
    folder.mkdir()
    rows: list[list[object]] = [["Berth", "Boat", "Skipper"]]
    rows += [[f"B{n}", f"boat {n}", f"skipper {n}"] for n in range(1, 90)]
    rows[61] = ["B61", "the red schooner Kittiwake", "Maud Ellery"]
    make_xlsx(folder / "berths.xlsx", {"Berths": rows})
    pages = ["Keeper's log, first week of March.", "The lamp was replaced in March."]
    make_scanned_pdf(folder / "log.pdf", pages)
    window = open_window(home)
    summary = window.quire.ingest([folder])
    assert summary.added == 2 and not summary.failed

    sheet = window.quire.search("red schooner Kittiwake Maud Ellery", k=1)[0]
    source = _source(sheet)
    assert source.label.startswith("[1] berths.xlsx Berths rows ")
    viewer = window.open_citation(source)
    assert isinstance(viewer, TextSourceViewer)
    assert f"berths.xlsx · {sheet.location}" in viewer.heading.text()
    shown = viewer.text.toPlainText()
    assert shown.startswith("Berth | Boat | Skipper\n")
    assert "B61 | the red schooner Kittiwake | Maud Ellery" in shown

    scan = window.quire.search("lamp was replaced", k=1)[0]
    assert (Path(scan.path).name, scan.page) == ("log.pdf", 2)
    viewer = window.open_citation(_source(scan, 2))
    if qtpdf_available():
        assert isinstance(viewer, PdfViewer)
        qtbot.waitUntil(lambda: viewer.current_page() == 1, timeout=5_000)
        assert viewer.page_text() == "page 2 of 2"
