"""`quire bench`: the speed figures we hold ourselves to, measured in one run on a generated corpus.

Figures carry their unit in the name. Compare them as ratios within one run: the machines this
runs on are shared and noisy."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from quire.config import Settings

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


def make_bench_corpus(folder: Path, documents: int, pages: int) -> None:
    from quire.library.samples import make_pdf, make_pptx

    folder.mkdir(parents=True, exist_ok=True)
    for n in range(documents):
        topic = TOPICS[n % len(TOPICS)]
        if n % 5 == 4:
            make_pptx(
                folder / f"deck{n:03}.pptx",
                [
                    {
                        "title": f"{topic.title()} update {s}",
                        "body": f"Findings on {topic} in region {s}.",
                        "notes": f"Speaker notes about {topic}, slide {s}.",
                    }
                    for s in range(1, pages + 1)
                ],
            )
        elif n % 5 == 3:
            (folder / f"note{n:03}.md").write_text(
                "\n\n".join(f"## {topic} {s}\n" + f"Observation {s} on {topic}. " * 40 for s in range(pages)),
                encoding="utf-8",
            )
        else:
            make_pdf(
                folder / f"paper{n:03}.pdf",
                [
                    f"Report {n}, page {p} on {topic}. " + f"Measured value {n}.{p} of {topic} in the "
                    "northern study area, compared with the previous season. " * 12
                    for p in range(1, pages + 1)
                ],
            )


def _p(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run_bench(settings: Settings, quick: bool = False) -> dict[str, Any]:
    from quire.core import Quire

    documents, pages, queries, answers = (10, 3, 20, 1) if quick else (60, 6, 100, 3)
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="quire-bench-") as tmp:
        corpus = Path(tmp) / "corpus"
        make_bench_corpus(corpus, documents, pages)
        quire = Quire(Settings.load(Path(tmp) / "home"))

        started = time.perf_counter()
        quire.embedder.warm_up()
        figures["embedder_load_s"] = round(time.perf_counter() - started, 2)

        summary = quire.ingest([corpus])
        figures["ingest_files"] = summary.added
        figures["ingest_pages"] = summary.pages
        figures["ingest_chunks"] = summary.chunks
        figures["ingest_s"] = summary.seconds
        figures["ingest_files_per_s"] = round(summary.added / summary.seconds, 2)
        figures["ingest_chunks_per_s"] = round(summary.chunks / summary.seconds, 1)

        # chunk-sized texts (~900 characters, ~190 tokens), as the import embeds them
        texts = [
            (
                f"Measured value {n} of {TOPICS[n % 10]} in the northern study area, compared "
                "with the previous season and the long-term mean. " * 8
            )[:900]
            for n in range(64)
        ]
        started = time.perf_counter()
        quire.embedder.encode(texts)
        figures["embed_chunks_per_s"] = round(len(texts) / (time.perf_counter() - started), 1)

        started = time.perf_counter()
        again = quire.ingest([corpus])
        figures["reimport_unchanged_s"] = round(time.perf_counter() - started, 3)
        assert again.unchanged == summary.added

        latencies = []
        for n in range(queries):
            started = time.perf_counter()
            quire.search(f"what was measured about {TOPICS[n % 10]} on page {n % pages + 1}?")
            latencies.append((time.perf_counter() - started) * 1000)
        figures["search_p50_ms"] = round(statistics.median(latencies), 2)
        figures["search_p95_ms"] = round(_p(latencies, 0.95), 2)

        figures.update(_local_answers(quire, answers))
    return figures


def _local_answers(quire: Any, runs: int) -> dict[str, Any]:
    """TTFT and decode speed of the local model on a 4-source prompt."""
    from quire.errors import QuireError

    ttft, decode, prompt_rate, prompt_tokens = [], [], [], []
    try:
        for n in range(runs):
            stream = quire.ask(f"What was measured about {TOPICS[n]}?", provider="local", k=4)
            answer = stream.result()
            m = answer.metrics
            if m.ttft_s:
                ttft.append(m.ttft_s)
                prompt_rate.append(m.prompt_tokens / m.ttft_s)
            if m.tokens_per_s:
                decode.append(m.tokens_per_s)
            prompt_tokens.append(m.prompt_tokens)
    except QuireError as exc:
        return {"local_error": str(exc)}
    return {
        "local_model": answer.model,
        "local_prompt_tokens": int(statistics.median(prompt_tokens)),
        "local_ttft_s": round(statistics.median(ttft), 3) if ttft else None,
        "local_prompt_tok_s": round(statistics.median(prompt_rate), 1) if prompt_rate else None,
        "local_decode_tok_s": round(statistics.median(decode), 1) if decode else None,
    }
