"""Refresh the README's screenshots from a real library: real documents imported with the real
embedder, a real answer from the local model, the PDF viewer at its citation; light and dark.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/readme_screenshots.py [OUT_DIR]

OUT_DIR defaults to resources/screenshots/. The library is made in a temporary data dir."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "app"))

QUESTION = "How many puffins did the volunteers count?"


def make_library(folder: Path) -> None:
    from quire.library.samples import make_pdf, make_pptx

    folder.mkdir(parents=True, exist_ok=True)
    make_pdf(
        folder / "Harbour Lighthouse Society - annual report 2026.pdf",
        [
            "Annual report of the Harbour Lighthouse Society, 2026. Introduction by the chair, and an "
            "overview of the year: the tower repainted, the wildlife survey, the visitor centre plans.",
            "Finances. The society spent 4,200 euros on repainting the lighthouse tower in May. Membership "
            "fees brought in 2,950 euros; the summer fair raised another 1,310 euros for the lamp fund.",
            "Wildlife. Volunteers counted 312 puffins nesting on the northern cliffs in June, up from 287 "
            "the year before. Gulls and fulmars were counted on the breakwater and the south stacks.",
            "Outlook. The committee plans a visitor centre beside the keeper's cottage, opening in 2027, "
            "and a second survey of the northern cliffs in spring.",
        ],
    )
    make_pptx(
        folder / "Project Falcon kickoff & budget.pptx",
        [
            {"title": "Project Falcon kickoff", "body": "Goals and timeline for the observatory team"},
            {
                "title": "Budget",
                "table": [["Item", "Cost"], ["Telescopes", "9,900 dollars"], ["Mounts", "2,400 dollars"]],
                "notes": "Remind everyone the telescope order closes on Friday.",
            },
            {"title": "Risks", "body": "Supplier delays in the copper cable shipment"},
        ],
    )
    minutes = folder / "minutes"
    minutes.mkdir(exist_ok=True)
    for day, topic in (
        ("2026-01-14", "winter storm damage"),
        ("2026-03-12", "the puffin survey"),
        ("2026-05-20", "repainting the tower"),
    ):
        (minutes / f"{day} committee meeting minutes.md").write_text(
            f"# Committee meeting, {day}\n\n## Present\n\nThe chair, the treasurer, four members.\n\n"
            f"## Discussed\n\nThe committee discussed {topic} and agreed the next steps.\n",
            encoding="utf-8",
        )
    drafts = folder / "planning"
    drafts.mkdir(exist_ok=True)
    for n in range(1, 5):
        (drafts / f"features_steps_towards_the_visitor_centre_plan_draft_{n:02d}.md").write_text(
            f"# Draft {n}\n\nStep {n} towards the visitor centre: survey, permits, builders, opening.\n",
            encoding="utf-8",
        )


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "resources" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="quire-readme-"))
    os.environ["QUIRE_HOME"] = str(home)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    docs = home.parent / (home.name + "-documents")
    make_library(docs)

    from quire.config import Settings
    from quire.core import Quire

    summary = Quire(Settings.load(home)).ingest([docs])
    print(f"imported {summary.added} documents ({summary.chunks} chunks)", file=sys.stderr)

    from quire.gui.app import make_app, wait_until
    from quire.gui.main_window import MainWindow

    app = make_app()
    for theme in ("light", "dark"):
        settings = Settings.load(home)
        settings.set("gui.theme", theme)
        settings.save()
        window = MainWindow(home=home)
        window.resize(1280, 800)
        window.show()
        wait_until(window.ready_for_screenshot, 30)
        window.splitter.setSizes([400, 880])
        if theme == "light":
            window.quire.check_local_model(window.local_model() or "")  # loaded, as after a first question
            window.chat.input.setPlainText(QUESTION)
            window.chat.submit()
            run = window.run
            if not wait_until(lambda run=run: run is not None and run.done, 180):
                print("the answer did not finish in 3 minutes", file=sys.stderr)
                return 1
        wait_until(lambda: False, 1.0)  # layouts settle
        window.grab().save(str(out / f"main-window{'' if theme == 'light' else '-dark'}.png"))
        answer = window.chat.last_answer()
        pdf = next((s for s in answer.message.sources if s.path.endswith(".pdf")), None) if answer else None
        if pdf is not None:
            viewer = window.open_citation(pdf)
            wait_until(lambda: False, 1.0)
            viewer.grab().save(str(out / f"pdf-viewer{'' if theme == 'light' else '-dark'}.png"))
            viewer.close()
        window.close()
        time.sleep(0.2)
    del app
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
