"""Real documents made on the fly: PDFs with reportlab, decks with python-pptx, notes as text."""

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


def make_corpus(folder: Path) -> dict[str, Path]:
    """A small library with known facts on known pages and slides."""
    folder.mkdir(parents=True, exist_ok=True)
    notes = folder / "notes"
    notes.mkdir(exist_ok=True)
    files = {
        "pdf": make_pdf(
            folder / "report.pdf",
            [
                "Annual report of the Harbour Lighthouse Society. Introduction and overview.",
                "Finances. The society spent 4,200 euros on repainting the lighthouse tower.",
                "Wildlife. Volunteers counted 312 puffins nesting on the northern cliffs in June.",
                "Outlook. The committee plans a new visitor centre opening in 2027.",
            ],
        ),
        "pptx": make_pptx(
            folder / "deck.pptx",
            [
                {"title": "Project Falcon kickoff", "body": "Goals and timeline for the team"},
                {
                    "title": "Budget",
                    "table": [["Item", "Cost"], ["Telescopes", "9,900 dollars"]],
                    "notes": "Remind everyone the telescope order closes on Friday.",
                },
                {"title": "Risks", "body": "Supplier delays in the copper cable shipment"},
            ],
        ),
        "md": folder / "notes" / "garden.md",
        "txt": folder / "notes" / "recipe.txt",
    }
    files["md"].write_text(
        "# Garden\n\nNotes about the allotment.\n\n## Tomatoes\n\n"
        "The San Marzano tomatoes need watering every second evening.\n\n"
        "## Compost\n\nTurn the compost heap monthly.\n",
        encoding="utf-8",
    )
    files["txt"].write_text(
        "Grandmother's lemon cake: 200 g flour, 3 eggs, zest of two lemons, bake 40 minutes.\n",
        encoding="utf-8",
    )
    return files
