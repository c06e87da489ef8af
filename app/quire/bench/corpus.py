"""The bench's inputs, generated with fixed seeds: a library of notes, multi-page PDFs and decks, and
a question-answer fixture for retrieval quality (recall@5)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

TOPICS = [
    "river silt",
    "glacier retreat",
    "puffin colonies",
    "tidal energy",
    "copper supply",
    "solar kilns",
    "wheat rust",
    "harbour dredging",
    "kelp farming",
    "peat carbon",
]

_FILLER = [
    "The survey team followed the standard protocol agreed with the regional office.",
    "Instruments were calibrated before each field season and checked afterwards.",
    "Observers noted weather, visibility and sea state at every visit.",
    "Results were compared with the long-term mean for the site.",
    "Two samples were discarded because their labels had washed off.",
    "The northern transect was walked twice because of fog on the first day.",
]


def make_bench_corpus(folder: Path, documents: int, pages: int, seed: int = 1) -> None:
    """Every fifth file a deck, every fifth a Markdown note, the rest PDFs; same seed, same bytes."""
    from quire.library.samples import make_pdf, make_pptx

    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(documents):
        topic = TOPICS[n % len(TOPICS)]

        def prose(label: str, sentences: int = 6, topic: str = topic) -> str:
            value = rng.randrange(10, 999)
            body = " ".join(rng.choice(_FILLER) for _ in range(sentences))
            return f"{label} on {topic}: measured value {value} in the northern study area. {body}"

        if n % 5 == 4:
            slides = [
                {
                    "title": f"{topic.title()} update {s}",
                    "body": prose(f"Slide {s}", 2),
                    "notes": prose("Notes"),
                }
                for s in range(1, pages + 1)
            ]
            make_pptx(folder / f"deck{n:04}.pptx", slides)
        elif n % 5 == 3:
            text = "\n\n".join(f"## {topic} {s}\n" + prose(f"Observation {s}", 12) for s in range(pages))
            (folder / f"note{n:04}.md").write_text(text, encoding="utf-8")
        else:
            make_pdf(
                folder / f"paper{n:04}.pdf",
                [f"Report {n}, page {p}. " + prose(f"Page {p}", 9) for p in range(1, pages + 1)],
            )


@dataclass(frozen=True)
class QAFixture:
    passages: list[str]
    questions: list[tuple[str, int]]  # question, index of the passage that answers it


_STATIONS = [
    "Ny-Alesund", "Tromso", "Svalbard", "Reykjavik", "Bergen", "Aberdeen", "Galway", "Brest",
    "Bilbao", "Porto", "Kiel", "Gdansk", "Riga", "Tallinn", "Oulu",
]  # fmt: skip
# what a passage says, its unit, and how a person would ask for it in other words
_MEASURES = [
    ("puffin nests counted", "nests", "How many seabird burrows were occupied"),
    ("sea surface temperature", "degrees", "How warm was the ocean"),
    ("kelp biomass", "tonnes", "How much seaweed grew"),
    ("silt deposited", "centimetres", "How much sediment built up"),
    ("rainfall", "millimetres", "How wet was it"),
    ("wind speed", "knots", "How strong were the gales"),
    ("copper in sediment", "ppm", "How polluted with metal was the mud"),
    ("tidal range", "metres", "How far did the sea rise and fall"),
]


def qa_fixture(size: int = 240, seed: int = 7) -> QAFixture:
    """Near-identical field reports (same stations, measures and years in other combinations) and
    paraphrased questions: hard enough that recall@5 is not 100%, so a worse embedder shows."""
    rng = random.Random(seed)
    facts: set[tuple[str, int, int]] = set()
    while len(facts) < size:
        facts.add((rng.choice(_STATIONS), rng.randrange(len(_MEASURES)), rng.randrange(2015, 2022)))
    passages, questions = [], []
    for index, (station, measure, year) in enumerate(sorted(facts)):
        said, unit, asked = _MEASURES[measure]
        body = " ".join(rng.sample(_FILLER, 3))
        passages.append(
            f"Field report from {station}, {year}. {body} The {said} at {station} in {year} was "
            f"{rng.randrange(10, 900)} {unit}. {rng.choice(_FILLER)}"
        )
        questions.append((f"{asked} near {station} during {year}?", index))
    return QAFixture(passages, questions)
