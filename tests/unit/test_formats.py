"""The loaders for Word, spreadsheets, web pages, e-books, more of PowerPoint, and OCR: real files
made in the test (python-docx, openpyxl, zipfile, python-pptx, reportlab rendered to pixels)."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import pytest

import hostile_formats
from fixtures import make_pptx
from quire.errors import LoaderError
from quire.library.loaders import ReadOptions, load_document
from quire.library.samples import make_docx, make_epub, make_pdf, make_scanned_pdf, make_xlsx
from quire.search.retrieve import where_label


def _where(section) -> str:  # type: ignore[no-untyped-def]
    return where_label(section.page, section.slide, section.heading, section.location)


# Word ---------------------------------------------------------------------------------------------


def test_docx_headings_lists_tables_footnotes_and_comments(tmp_path: Path) -> None:
    rows = [["Berth", "Boat", "Owner"]] + [[f"B{n}", f"boat {n}", f"owner {n}"] for n in range(1, 61)]
    doc = load_document(
        make_docx(
            tmp_path / "minutes.docx",
            [
                ("h1", "Harbour board"),
                ("p", "The board met on Tuesday."),
                ("h2", "Budget"),
                ("p", "We approved 4,000 euros for the roof."),
                ("comment", "Check the roofer's quote"),
                ("li", "paint the hall"),
                ("li", "fix the gate"),
                ("table", rows),
                ("h2", "Next steps"),
                ("p", "Meet again in May."),
            ],
            footnote="Quote from Smith & Sons.",
        )
    )
    assert doc.kind == "document"
    first, budget, *tables = doc.sections[:-3]
    assert (first.heading, first.text) == ("Harbour board", "Harbour board\nThe board met on Tuesday.")
    assert budget.heading == "Harbour board > Budget" and _where(budget) == "§ Harbour board > Budget"
    assert budget.text.endswith("We approved 4,000 euros for the roof.\n• paint the hall\n• fix the gate")
    assert len(tables) > 1  # 60 rows do not fit one chunk: blocks of rows, each with the header
    assert all(t.text.startswith("Berth | Boat | Owner\n") and len(t.text) <= 900 for t in tables)
    body_rows = [line for t in tables for line in t.text.split("\n")[1:]]
    assert body_rows == [" | ".join(r) for r in rows[1:]]
    steps, comments, notes = doc.sections[-3:]
    assert steps.heading == "Harbour board > Next steps"
    assert (comments.heading, comments.text) == ("Comments", "Comment (Ana): Check the roofer's quote")
    assert (notes.heading, notes.text) == ("Footnotes", "Footnote 1: Quote from Smith & Sons.")


def test_docx_that_is_not_a_zip_or_is_encrypted(tmp_path: Path) -> None:
    fake = tmp_path / "fake.docx"
    fake.write_bytes(b"PK not really a zip" * 20)
    with pytest.raises(LoaderError, match="not a valid .docx"):
        load_document(fake)
    locked = tmp_path / "locked.docx"
    locked.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2048))
    with pytest.raises(LoaderError, match="password-protected .or legacy .doc. document"):
        load_document(locked)


# Sheets -------------------------------------------------------------------------------------------


def test_xlsx_blocks_of_rows_with_the_header_and_shown_values(tmp_path: Path) -> None:
    import datetime as dt

    rows: list[list[object]] = [["Item", "Cost", "Share", "Bought"]]
    rows += [[f"item {n}", 1000 + n + 0.5, n / 100, dt.date(2026, 3, n % 28 + 1)] for n in range(1, 81)]
    formats = {f"Budget!B{r}": "#,##0.00" for r in range(2, 82)} | {
        f"Budget!C{r}": "0%" for r in range(2, 82)
    }
    book = make_xlsx(
        tmp_path / "budget.xlsx", {"Budget": rows, "Notes": [["Note"], ["ask the harbour master"]]}, formats
    )
    doc = load_document(book)
    assert doc.kind == "sheet"
    budget = [s for s in doc.sections if s.heading == "Budget"]
    assert len(budget) > 1 and all(s.text.startswith("Item | Cost | Share | Bought\n") for s in budget)
    assert budget[0].location.startswith("Budget rows 2\u2013")  # type: ignore[union-attr]
    first, last = budget[0].location, budget[-1].location
    assert _where(budget[-1]) == last and last.endswith("\u201381")  # type: ignore[union-attr]
    assert int(first.split("\u2013")[1]) + 1 == int(budget[1].location.split(" ")[2].split("\u2013")[0])  # type: ignore[union-attr]
    assert "item 1 | 1,001.50 | 1% | 2026-03-02" in budget[0].text
    assert [(s.location, s.text) for s in doc.sections if s.heading == "Notes"] == [
        ("Notes row 2", "Note\nask the harbour master")
    ]


def test_xlsx_formulas_read_as_their_cached_values(tmp_path: Path) -> None:
    book = make_xlsx(tmp_path / "sum.xlsx", {"Sheet1": [["a", "b"], [2, 3], ["total", "=SUM(B2:B2)"]]})
    with zipfile.ZipFile(book) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    assert b"<f>SUM(B2:B2)</f><v></v>" in sheet  # openpyxl writes no cached value: add Excel's
    hostile_formats._rewrite(book, {"xl/worksheets/sheet1.xml": sheet.replace(b"<v></v>", b"<v>3</v>")})
    assert load_document(book).sections[0].text == "a | b\n2 | 3\ntotal | 3"


def test_csv_and_tsv_in_any_encoding(tmp_path: Path) -> None:
    csv_file = tmp_path / "crew.csv"
    csv_file.write_bytes("name;port\nAnaïs;Saint-Malo\nBjørn;Bergen\n".encode("cp1252"))
    (tsv := tmp_path / "tides.tsv").write_text("day\thigh\n\nMon\t06:12\nTue\t06:50\n")
    crew, tides = load_document(csv_file), load_document(tsv)
    assert [(s.location, s.text) for s in crew.sections] == [
        ("rows 2\u20133", "name | port\nAnaïs | Saint-Malo\nBjørn | Bergen")
    ]
    assert [(s.location, s.text) for s in tides.sections] == [
        ("rows 3\u20134", "day | high\nMon | 06:12\nTue | 06:50")
    ]


# Web pages and e-books -----------------------------------------------------------------------------


def test_html_keeps_headings_and_text_without_scripts_styles_or_navigation(tmp_path: Path) -> None:
    page = tmp_path / "tides.html"
    page.write_text(
        "<html><head><title>Tide tables</title><style>p{color:red}</style>"
        "<script>document.write('tracking')</script></head><body>"
        "<nav><a href='/'>Home</a> <a href='/x'>Menu</a></nav><div role=navigation>Skip links</div>"
        "<h1>Tides</h1><p>High water at six.<p>Low water at noon &amp; later."
        "<h2>Ferries</h2><ul><li>First at 7<li>Last at 9</ul>"
        "<table><tr><th>Day<th>Ferry<tr><td>Mon<td>7:00</table>"
        "<img src='x.png' alt='Map of the bay'><noscript>enable JS</noscript>"
        "<footer>Copyright the harbour</footer></body></html>",
        encoding="utf-8",
    )
    doc = load_document(page)
    assert doc.kind == "web"
    assert [(s.heading, s.text) for s in doc.sections] == [
        ("Tides", "Tides\nHigh water at six.\nLow water at noon & later."),
        ("Tides > Ferries", "Ferries\n• First at 7\n• Last at 9\nDay | Ferry\nMon | 7:00\nMap of the bay"),
    ]
    words = " ".join(s.text for s in doc.sections)
    for hidden in ("tracking", "color", "Home", "Skip links", "enable JS", "Copyright"):
        assert hidden not in words


def test_html_charset_and_deep_nesting(tmp_path: Path) -> None:
    old = tmp_path / "old.htm"
    old.write_bytes(b'<meta charset="windows-1252"><p>Caf\xe9 on the quay</p>')
    assert load_document(old).sections[0].text == "Café on the quay"
    deep = tmp_path / "deep.html"
    deep.write_text("<div>" * 100_000 + "bottom of the well" + "</div>" * 100_000)
    started = time.perf_counter()
    assert load_document(deep).sections[0].text == "bottom of the well"
    assert time.perf_counter() - started < 10


def test_epub_chapters_in_spine_order_cited_as_chapter_n(tmp_path: Path) -> None:
    book = make_epub(
        tmp_path / "voyage.epub",
        [
            ("Landfall", "The schooner reached the island at dawn."),
            ("Blank", ""),
            ("Departure", "They sailed at dusk."),
        ],
    )
    opf = zipfile.ZipFile(book).read("OEBPS/content.opf")  # reading order: chapter 3 before chapter 1
    spine = b'<itemref idref="c3"/><itemref idref="c2"/><itemref idref="c1"/>'
    hostile_formats._rewrite(
        book,
        {"OEBPS/content.opf": opf.replace(opf[opf.index(b"<spine>") + 7 : opf.index(b"</spine>")], spine)},
    )
    doc = load_document(book)
    assert doc.kind == "ebook"
    assert [(s.location, s.heading, s.text) for s in doc.sections] == [
        ("chapter 1", "Departure", "Departure\nThey sailed at dusk."),
        ("chapter 2", "Blank", "Blank"),
        ("chapter 3", "Landfall", "Landfall\nThe schooner reached the island at dawn."),
    ]
    assert _where(doc.sections[0]) == "chapter 1"


def test_drm_epub_is_named(tmp_path: Path) -> None:
    book = make_epub(tmp_path / "locked.epub", [("One", "secret words")])
    encryption = (
        b'<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" '
        b'xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData>'
        b'<enc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/>'
        b"</enc:EncryptedData></encryption>"
    )
    hostile_formats._rewrite(book, {"META-INF/encryption.xml": encryption})
    with pytest.raises(LoaderError, match="DRM-protected e-book"):
        load_document(book)


# More of PowerPoint ---------------------------------------------------------------------------------


def test_deck_whose_only_words_are_in_a_chart_is_indexed(tmp_path: Path) -> None:
    deck = make_pptx(
        tmp_path / "chart.pptx",
        [
            {
                "chart": {
                    "title": "Catch by month",
                    "categories": ["May", "June"],
                    "series": {"Cod": [12, 30.5], "Hake": [7, None]},
                }
            }
        ],
    )
    (section,) = load_document(deck).sections
    assert section.slide == 1
    assert section.text == "Chart: Catch by month\nCategory | Cod | Hake\nMay | 12 | 7\nJune | 30.5 | "


def test_groups_alt_text_and_smartart(tmp_path: Path) -> None:
    from pptx import Presentation
    from pptx.util import Inches

    deck_path = make_pptx(tmp_path / "shapes.pptx", [{"title": "Harbour map"}])
    deck = Presentation(str(deck_path))
    slide = deck.slides[0]
    group = slide.shapes.add_group_shape()
    inner = group.shapes.add_group_shape()  # a group in a group
    inner.shapes.add_textbox(
        Inches(1), Inches(2), Inches(3), Inches(1)
    ).text_frame.text = "Fuel dock on the east quay"
    png = tmp_path / "dot.png"
    png.write_bytes(hostile_formats.huge_png(tmp_path / "x.png", 2).read_bytes())
    picture = slide.shapes.add_picture(str(png), Inches(5), Inches(2))
    picture._element.nvPicPr.cNvPr.set("descr", "Aerial photo of the marina")
    deck.save(str(deck_path))
    _add_smartart(deck_path, ["Arrive", "Moor", "Pay the harbour fee"])
    text = load_document(deck_path).sections[0].text
    assert "Fuel dock on the east quay" in text
    assert "Image: Aerial photo of the marina" in text
    assert "Arrive\nMoor\nPay the harbour fee" in text


def _add_smartart(deck: Path, points: list[str]) -> None:
    """A SmartArt graphic frame on slide 1 and its diagram data part, as PowerPoint writes them
    (python-pptx cannot make one)."""
    dgm = "http://schemas.openxmlformats.org/drawingml/2006/diagram"
    a = "http://schemas.openxmlformats.org/drawingml/2006/main"
    r = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    data = (
        f'<dgm:dataModel xmlns:dgm="{dgm}" xmlns:a="{a}"><dgm:ptLst>'
        + "".join(
            f'<dgm:pt modelId="{n}"><dgm:t><a:p><a:r><a:t>{p}</a:t></a:r></a:p></dgm:t></dgm:pt>'
            for n, p in enumerate(points, start=1)
        )
        + "</dgm:ptLst></dgm:dataModel>"
    )
    frame = (
        f'<p:graphicFrame xmlns:a="{a}" xmlns:r="{r}"><p:nvGraphicFramePr><p:cNvPr id="90" name="Diagram"/>'
        "<p:cNvGraphicFramePr/><p:nvPr/></p:nvGraphicFramePr>"
        "<p:xfrm><a:off x='0' y='0'/><a:ext cx='10' cy='10'/>"
        f'</p:xfrm><a:graphic><a:graphicData uri="{dgm}"><dgm:relIds xmlns:dgm="{dgm}" r:dm="rIdDgm1" '
        'r:lo="rIdDgm1" r:qs="rIdDgm1" r:cs="rIdDgm1"/></a:graphicData></a:graphic></p:graphicFrame>'
    )
    with zipfile.ZipFile(deck) as archive:
        slide = archive.read("ppt/slides/slide1.xml").decode()
        rels = archive.read("ppt/slides/_rels/slide1.xml.rels").decode()
        types = archive.read("[Content_Types].xml").decode()
    rel = (
        f'<Relationship Id="rIdDgm1" Type="{r}/diagramData" Target="../diagrams/data1.xml"/></Relationships>'
    )
    override = (
        '<Override PartName="/ppt/diagrams/data1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.drawingml.diagramData+xml"/></Types>'
    )
    hostile_formats._rewrite(
        deck,
        {
            "ppt/slides/slide1.xml": slide.replace("</p:spTree>", frame + "</p:spTree>").encode(),
            "ppt/slides/_rels/slide1.xml.rels": rels.replace("</Relationships>", rel).encode(),
            "[Content_Types].xml": types.replace("</Types>", override).encode(),
            "ppt/diagrams/data1.xml": data.encode(),
        },
    )


# OCR ------------------------------------------------------------------------------------------------

SCAN_PAGES = [
    "The puffins nest on the northern cliffs from April and leave for the open sea in August.",
    "",
    "Volunteers counted three hundred and twelve puffins this year, more than the year before.",
]


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Page 1 and 3 are images of text, page 2 an image of a blank page: a scan, no text layer."""
    return make_scanned_pdf(tmp_path_factory.mktemp("scan") / "scan.pdf", SCAN_PAGES)


def test_scanned_pages_are_read_by_ocr_with_their_page_numbers(scan: Path, tmp_path: Path) -> None:
    events: list[tuple[int, int]] = []
    doc = load_document(scan, ReadOptions(ocr_cache=tmp_path, progress=lambda *e: events.append(e)))
    assert doc.kind == "pdf" and doc.pages == 3
    assert [s.page for s in doc.sections] == [1, 3]  # the blank page has no words, not even made-up ones
    assert doc.warnings == ["no extractable text on p. 2: OCR found no words there"]
    for section in doc.sections:
        assert _word_share(SCAN_PAGES[section.page - 1], section.text) > 0.9, section.text  # type: ignore[operator]
    assert events == [(0, 3), (1, 3), (2, 3), (3, 3)]  # progress per page

    started = time.perf_counter()  # the second read takes the pages from the cache
    again = load_document(scan, ReadOptions(ocr_cache=tmp_path, progress=lambda *e: events.append(e)))
    assert again.sections == doc.sections and events[-1] == (3, 3) and events[-2] == (3, 3)
    assert time.perf_counter() - started < 1


def test_an_interrupted_ocr_resumes_at_the_page_it_reached(scan: Path, tmp_path: Path) -> None:
    load_document(scan, ReadOptions(ocr_cache=tmp_path))
    (cache,) = tmp_path.glob("*.jsonl")
    lines = cache.read_text().splitlines()
    cache.write_text(lines[0] + "\n" + lines[1][:10])  # killed while writing page 2: page 1 kept
    events: list[tuple[int, int]] = []
    doc = load_document(scan, ReadOptions(ocr_cache=tmp_path, progress=lambda *e: events.append(e)))
    assert events[0] == (1, 3)  # started with page 1 done
    assert [s.page for s in doc.sections] == [1, 3]


def test_mixed_pdf_ocrs_only_the_pages_without_text(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    text = make_pdf(tmp_path / "text.pdf", ["A typed page about the lifeboat station."])
    scanned = make_scanned_pdf(tmp_path / "scanned.pdf", ["A scanned page about the harbour wall."])
    writer = PdfWriter()
    for source in (text, scanned, text):
        writer.append(PdfReader(source))
    writer.write(mixed := tmp_path / "mixed.pdf")
    events: list[tuple[int, int]] = []
    doc = load_document(mixed, ReadOptions(progress=lambda *e: events.append(e)))
    assert [s.page for s in doc.sections] == [1, 2, 3]
    assert doc.sections[0].text == "A typed page about the lifeboat station."
    assert _word_share("A scanned page about the harbour wall.", doc.sections[1].text) > 0.8
    assert events[-1] == (1, 1)  # one page needed OCR


def test_ocr_off_and_no_words(scan: Path, tmp_path: Path) -> None:
    with pytest.raises(
        LoaderError, match=r"no extractable text \(scanned PDF\?\); OCR is turned off \(ocr.enabled\)"
    ):
        load_document(scan, ReadOptions(ocr=False))
    blank = make_scanned_pdf(tmp_path / "blank.pdf", ["", ""])
    with pytest.raises(
        LoaderError, match="no extractable text: no text layer, and OCR found no words on its 2 pages"
    ):
        load_document(blank)


def test_images_are_read_by_ocr(scan: Path, tmp_path: Path) -> None:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(scan))
    image = document[0].render(scale=150 / 72).to_pil()
    document.close()
    image.save(png := tmp_path / "page.png")
    image.convert("RGB").save(jpg := tmp_path / "page.JPG", quality=85)
    for path in (png, jpg):
        doc = load_document(path)
        assert doc.kind == "image" and len(doc.sections) == 1
        assert _word_share(SCAN_PAGES[0], doc.sections[0].text) > 0.9
    with pytest.raises(LoaderError, match="an image: its words need OCR, which is turned off"):
        load_document(png, ReadOptions(ocr=False))


def test_decompression_bomb_image_is_refused_unread(tmp_path: Path) -> None:
    bomb = hostile_formats.huge_png(tmp_path / "bomb.png", 30_000)
    assert bomb.stat().st_size < 2 * 1024**2
    started = time.perf_counter()
    with pytest.raises(
        LoaderError, match=r"image too large to read: 900 megapixels \(limit 100; a decompression bomb\?\)"
    ):
        load_document(bomb)
    assert time.perf_counter() - started < 2


def _word_share(expected: str, got: str) -> float:
    from quire.bench.formats import word_recall

    return word_recall(expected, got)
