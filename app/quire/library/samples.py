"""Real sample documents made on the fly (PDFs with reportlab, decks with python-pptx), for the
benchmark and the tests."""

from __future__ import annotations

from pathlib import Path


def make_pdf(path: Path, pages: list[str], *, password: str | None = None) -> Path:
    """A real PDF whose page N (1-based) carries pages[N-1] as its text layer."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    kwargs = {}
    if password:
        from reportlab.lib import pdfencrypt

        kwargs["encrypt"] = pdfencrypt.StandardEncryption(password, canPrint=1)
    pdf = canvas.Canvas(str(path), pagesize=A4, **kwargs)
    for text in pages:
        y = 800
        for line in _wrap(text, 90):
            pdf.drawString(50, y, line)
            y -= 14
            if y < 40:
                break
        pdf.showPage()
    pdf.save()
    return path


def make_blank_pdf(path: Path, pages: int = 2) -> Path:
    """A PDF with pages but no text layer, like a scan."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), pagesize=A4)
    for _ in range(pages):
        pdf.rect(100, 100, 300, 300, fill=1)
        pdf.showPage()
    pdf.save()
    return path


def make_pptx(path: Path, slides: list[dict]) -> Path:
    """Each slide: {"title": str, "body": str, "table": [[cells]], "notes": str, "chart": {"title":
    str, "categories": [str], "series": {name: [values]}}} (all optional)."""
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    for spec in slides:
        slide = deck.slides.add_slide(deck.slide_layouts[1 if spec.get("body") else 5])
        if spec.get("title"):
            slide.shapes.title.text = spec["title"]
        if spec.get("body"):
            slide.placeholders[1].text = spec["body"]
        if spec.get("table"):
            rows = spec["table"]
            shape = slide.shapes.add_table(
                len(rows), len(rows[0]), Inches(1), Inches(4), Inches(6), Inches(1.5)
            )
            for r, row in enumerate(rows):
                for c, cell in enumerate(row):
                    shape.table.cell(r, c).text = cell
        if spec.get("chart"):
            _add_chart(slide, spec["chart"])
        if spec.get("notes"):
            slide.notes_slide.notes_text_frame.text = spec["notes"]
    deck.save(str(path))
    return path


def _add_chart(slide: object, spec: dict) -> None:  # type: ignore[type-arg]
    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE
    from pptx.util import Inches

    data = CategoryChartData()
    data.categories = spec["categories"]
    for name, values in spec["series"].items():
        data.add_series(name, values)
    frame = slide.shapes.add_chart(  # type: ignore[attr-defined]
        XL_CHART_TYPE.COLUMN_CLUSTERED, Inches(1), Inches(1.5), Inches(7), Inches(4.5), data
    )
    if spec.get("title"):
        frame.chart.has_title = True
        frame.chart.chart_title.text_frame.text = spec["title"]


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for para in text.split("\n"):
        line = ""
        for word in para.split():
            if len(line) + len(word) + 1 > width:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}".strip()
        lines.append(line)
    return lines


def make_docx(path: Path, blocks: list[tuple[str, object]], *, footnote: str | None = None) -> Path:
    """A Word document from ("h1".."h3", text), ("p", text), ("li", text), ("table", rows) and
    ("comment", text) blocks; `footnote` adds a footnotes part with one footnote."""
    import docx

    document = docx.Document()
    last = None
    for kind, value in blocks:
        if kind.startswith("h"):
            last = document.add_heading(str(value), level=int(kind[1:]))
        elif kind == "p":
            last = document.add_paragraph(str(value))
        elif kind == "li":
            last = document.add_paragraph(str(value), style="List Bullet")
        elif kind == "table":
            rows: list[list[object]] = value  # type: ignore[assignment]
            table = document.add_table(rows=len(rows), cols=len(rows[0]))
            for r, row in enumerate(rows):
                for c, cell in enumerate(row):
                    table.cell(r, c).text = str(cell)
        elif kind == "comment" and last is not None:
            document.add_comment(last.runs, text=str(value), author="Ana")
    document.save(str(path))
    if footnote:
        _add_footnote(path, footnote)
    return path


def _add_footnote(path: Path, text: str) -> None:
    """python-docx writes no footnotes: add the part and its relationship at the zip level."""
    import zipfile
    from xml.sax.saxutils import escape

    text = escape(text)
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    part = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:footnotes xmlns:w="{w}">'
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        f'<w:footnote w:id="1"><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:footnote></w:footnotes>'
    )
    with zipfile.ZipFile(path) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    rels = members["word/_rels/document.xml.rels"].decode()
    rel = (
        '<Relationship Id="rIdFoot1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/footnotes" Target="footnotes.xml"/>'
    )
    rels = rels.replace("</Relationships>", rel + "</Relationships>")
    members["word/_rels/document.xml.rels"] = rels.encode()
    types = members["[Content_Types].xml"].decode()
    override = (
        '<Override PartName="/word/footnotes.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.wordprocessingml.footnotes+xml"/>'
    )
    members["[Content_Types].xml"] = types.replace("</Types>", override + "</Types>").encode()
    members["word/footnotes.xml"] = part.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def make_xlsx(
    path: Path, sheets: dict[str, list[list[object]]], formats: dict[str, str] | None = None
) -> Path:
    """A workbook: each sheet's rows; `formats` maps a cell ("Sheet1!B2") to a number format."""
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    for ref, number_format in (formats or {}).items():
        title, cell = ref.split("!")
        book[title][cell].number_format = number_format
    book.save(str(path))
    return path


def make_epub(path: Path, chapters: list[tuple[str, str]], title: str = "A Book") -> Path:
    """An EPUB 3 book, one XHTML file per (chapter title, paragraph text), in spine order."""
    import zipfile

    items = "".join(
        f'<item id="c{n}" href="text/ch{n}.xhtml" media-type="application/xhtml+xml"/>'
        for n in range(1, len(chapters) + 1)
    )
    spine = "".join(f'<itemref idref="c{n}"/>' for n in range(1, len(chapters) + 1))
    opf = (
        '<?xml version="1.0" encoding="utf-8"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0" '
        'unique-identifier="id"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f'<dc:identifier id="id">sample</dc:identifier><dc:title>{title}</dc:title></metadata>'
        f"<manifest>{items}</manifest><spine>{spine}</spine></package>"
    )
    container = (
        '<?xml version="1.0"?><container version="1.0" '
        'xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
        '<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
        "</rootfiles></container>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
        archive.writestr("META-INF/container.xml", container)
        archive.writestr("OEBPS/content.opf", opf)
        for n, (heading, text) in enumerate(chapters, start=1):
            archive.writestr(
                f"OEBPS/text/ch{n}.xhtml",
                '<?xml version="1.0" encoding="utf-8"?><!DOCTYPE html><html xmlns="http://www.w3.org/1999/xhtml">'
                f"<head><title>{heading}</title></head><body><h1>{heading}</h1><p>{text}</p></body></html>",
            )
    return path


def make_scanned_pdf(path: Path, pages: list[str], dpi: int = 150) -> Path:
    """A PDF that is only page images, like a scan: a text PDF rendered to pixels, page by page."""
    import tempfile

    import pypdfium2 as pdfium
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    with tempfile.TemporaryDirectory() as tmp:
        source = make_pdf(Path(tmp) / "text.pdf", pages)
        document = pdfium.PdfDocument(str(source))
        out = canvas.Canvas(str(path), pagesize=A4)
        for page in document:
            image = page.render(scale=dpi / 72, grayscale=True).to_pil()
            out.drawImage(ImageReader(image), 0, 0, width=A4[0], height=A4[1])
            out.showPage()
        document.close()
        out.save()
    return path
