"""Test documents: the sample makers from the app, and a small corpus with known facts."""

from __future__ import annotations

from pathlib import Path

from quire.library.samples import make_blank_pdf, make_pdf, make_pptx

__all__ = ["make_blank_pdf", "make_corpus", "make_pdf", "make_pptx"]


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
