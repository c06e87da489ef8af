"""`quire bench --only formats`: import throughput per format (each format's own small library,
imported end to end), reading alone per format, and OCR: pages per second at the configured
resolution (150 dpi) and the share of a known page's words it recovers from the page's pixels."""

from __future__ import annotations

import random
import re
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from quire.bench.corpus import _FILLER, TOPICS

OCR_PAGE = (
    "Annual report of the harbour trust. The northern breakwater was repaired in March at a cost of "
    "12,400 euros. Ferry crossings were cancelled on fourteen days because of storms, two more than "
    "the year before. Volunteers counted 312 puffins on the cliffs in June and ringed forty chicks. "
    "The committee approved new mooring buoys, a survey of the seabed near the lifeboat slipway, and "
    "longer opening hours for the visitor centre during the summer holidays."
)


def word_recall(expected: str, got: str) -> float:
    """The share of `expected`'s words (with repeats, case and punctuation aside) found in `got`."""
    want = Counter(re.findall(r"\w+", expected.lower()))
    have = Counter(re.findall(r"\w+", got.lower()))
    total = sum(want.values())
    return sum((want & have).values()) / total if total else 1.0


def _prose(rng: random.Random, topic: str, sentences: int) -> str:
    body = " ".join(rng.choice(_FILLER) for _ in range(sentences))
    return f"Report on {topic}: measured value {rng.randrange(10, 999)} in the northern area. {body}"


def make_format_corpus(folder: Path, files: int, seed: int = 7) -> dict[str, list[Path]]:
    """`files` documents of each new format, a few pages' worth of text each (same seed, same bytes)."""
    from quire.library.samples import make_docx, make_epub, make_pptx, make_scanned_pdf, make_xlsx

    rng = random.Random(seed)
    made: dict[str, list[Path]] = {}

    def add(kind: str, path: Path) -> None:
        made.setdefault(kind, []).append(path)

    for kind in ("docx", "xlsx", "csv", "html", "epub", "pptx-chart", "scan-pdf"):
        (folder / kind).mkdir(parents=True, exist_ok=True)
    for n in range(files):
        topic = TOPICS[n % len(TOPICS)]
        blocks: list[tuple[str, object]] = [("h1", topic.title())]
        for s in range(4):
            blocks += [("h2", f"Part {s + 1}"), ("p", _prose(rng, topic, 8))]
        blocks.append(
            ("table", [["Site", "Count"]] + [[f"site {r}", str(rng.randrange(99))] for r in range(20)])
        )
        add("docx", make_docx(folder / "docx" / f"minutes{n:03}.docx", blocks))
        rows: list[list[object]] = [["Site", "Species", "Count", "Share"]]
        rows += [[f"site {r}", topic, rng.randrange(999), rng.random()] for r in range(300)]
        add("xlsx", make_xlsx(folder / "xlsx" / f"counts{n:03}.xlsx", {"Counts": rows}))
        csv_path = folder / "csv" / f"counts{n:03}.csv"
        csv_path.write_text("\n".join(",".join(str(c) for c in row) for row in rows) + "\n", encoding="utf-8")
        add("csv", csv_path)
        html_path = folder / "html" / f"page{n:03}.html"
        html_path.write_text(
            f"<html><head><title>{topic}</title><script>var t=1;</script></head><body><nav>Home</nav>"
            + "".join(f"<h2>Part {s}</h2><p>{_prose(rng, topic, 8)}</p>" for s in range(4))
            + "</body></html>",
            encoding="utf-8",
        )
        add("html", html_path)
        chapters = [(f"Chapter {c}", _prose(rng, topic, 10)) for c in range(1, 5)]
        add("epub", make_epub(folder / "epub" / f"book{n:03}.epub", chapters, title=topic))
        chart = {
            "title": f"{topic} by year",
            "categories": ["2023", "2024", "2025"],
            "series": {side: [rng.randrange(99) for _ in range(3)] for side in ("North", "South")},
        }
        add("pptx-chart", make_pptx(folder / "pptx-chart" / f"chart{n:03}.pptx", [{"chart": chart}] * 3))
        if n < max(1, files // 3):  # scans cost seconds a page: fewer of them
            pages = [_prose(rng, topic, 5) for _ in range(2)]
            add("scan-pdf", make_scanned_pdf(folder / "scan-pdf" / f"scan{n:03}.pdf", pages))
    return made


def measure_ocr(pages: int, dpi: int) -> dict[str, Any]:
    """OCR of `pages` scanned pages of OCR_PAGE (rendered from a text PDF at `dpi`): pages/s, and
    the share of the page's words read back. The engine's load is timed apart."""
    import tempfile

    from quire.library.loaders import ReadOptions, load_document
    from quire.library.loaders.ocr import engine
    from quire.library.samples import make_scanned_pdf

    with tempfile.TemporaryDirectory(prefix="quire-ocr-") as tmp:
        scan = make_scanned_pdf(Path(tmp) / "scan.pdf", [OCR_PAGE] * pages, dpi=dpi)
        started = time.perf_counter()
        engine(scan)
        load_s = time.perf_counter() - started
        started = time.perf_counter()
        document = load_document(scan, ReadOptions(ocr_dpi=dpi))
        seconds = time.perf_counter() - started
    recalls = [word_recall(OCR_PAGE, s.text) for s in document.sections]
    recalls += [0.0] * (pages - len(recalls))
    return {
        "ocr_dpi": dpi,
        "ocr_pages": pages,
        "ocr_engine_load_s": round(load_s, 2),
        "ocr_s_per_page": round(seconds / pages, 2),
        "ocr_pages_per_s": round(pages / seconds, 3),
        "ocr_word_accuracy_pct": round(100 * sum(recalls) / len(recalls), 1),
    }


def measure_formats(
    work: Path, quick: bool, dpi: int, ingest: Callable[[Path], Any], say: Callable[[str], None]
) -> dict[str, Any]:
    """Each format's folder imported end to end (`ingest`, into the bench's library) and read alone."""
    from quire.library.loaders import ReadOptions, load_document

    say(f"formats: OCR at {dpi} dpi")
    figures: dict[str, Any] = measure_ocr(2 if quick else 6, dpi)  # first: it times the engine's load too
    made = make_format_corpus(work / "formats", 3 if quick else 9)
    for kind, paths in made.items():
        name = kind.replace("-", "_")
        started = time.perf_counter()
        for path in paths:
            load_document(path, ReadOptions(ocr_dpi=dpi))
        read_s = time.perf_counter() - started
        megabytes = sum(p.stat().st_size for p in paths) / 1e6
        figures[f"read_{name}_ms_per_file"] = round(1000 * read_s / len(paths), 1)
        figures[f"read_{name}_mb_per_s"] = round(megabytes / read_s, 2)
        say(f"formats: importing {len(paths)} {kind} files")
        summary = ingest(paths[0].parent)
        if summary.failed:
            figures[f"import_{name}_error"] = summary.failed[0].error
            continue
        figures[f"import_{name}_files_per_s"] = round(summary.added / summary.seconds, 2)
        figures[f"import_{name}_chunks_per_s"] = round(summary.chunks / summary.seconds, 1)
    return figures
