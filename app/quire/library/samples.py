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
    """Each slide: {"title": str, "body": str, "table": [[cells]], "notes": str} (all optional)."""
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
        if spec.get("notes"):
            slide.notes_slide.notes_text_frame.text = spec["notes"]
    deck.save(str(path))
    return path


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
