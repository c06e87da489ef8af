"""Search at library sizes no bench could embed for real (100k chunks would take hours): chunk texts
built from the corpus's vocabulary, vectors scattered around real embeddings of real passages, written
through the same catalog and store an import uses. Then `Quire.search` as the user runs it: query
embedding, vector search, full-text search and fusion."""

from __future__ import annotations

import random
import statistics
import time
from pathlib import Path
from typing import Any

from quire.bench.corpus import TOPICS, qa_fixture
from quire.config import Settings
from quire.library.chunking import Chunk

CHUNKS_PER_FILE = 100
_WORDS = (  # noqa: SIM905  # a sentence is easier to read and edit than 40 quoted words
    "survey season station sample north south mean median sediment tide harbour kelp peat copper "
    "glacier river puffin colony wheat rust kiln energy dredging carbon silt rainfall wind record "
    "value report page slide figure table team protocol calibration fog transect observer"
).split()


def _rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def _folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


def build_library(home: Path, chunks: int, seed: int = 3) -> Any:
    """A library of `chunks` chunks in `home`; returns the Quire facade over it."""
    import numpy as np

    from quire.core import Quire

    quire = Quire(Settings.load(home))
    rng = random.Random(seed)
    noise = np.random.default_rng(seed)
    base = quire.embedder.encode(qa_fixture().passages[:200])
    for file_no in range(chunks // CHUNKS_PER_FILE):
        path = str(home / "synthetic" / f"doc{file_no:05}.pdf")
        batch = []
        for index in range(CHUNKS_PER_FILE):
            topic = TOPICS[rng.randrange(len(TOPICS))]
            words = " ".join(rng.choice(_WORDS) for _ in range(120))
            text = f"{topic} measured value {rng.randrange(1000)}: {words}"
            batch.append(Chunk(f"{file_no:05}-{index:03}", path, index, text, page=index // 4 + 1))
        vectors = base[[rng.randrange(len(base)) for _ in batch]]
        vectors = vectors + noise.normal(0, 0.03, vectors.shape).astype("float32")
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        quire.catalog.mark(path, kind="pdf", size=1, mtime_ns=1, sha256="0" * 64, state="indexing")
        quire.store.upsert([c.id for c in batch], vectors, [c.path for c in batch])
        quire.catalog.replace_chunks(path, batch, CHUNKS_PER_FILE // 4)
    return quire


def _latencies_ms(call: Any, queries: int) -> list[float]:
    """Milliseconds per call on the QA fixture's questions, in turn."""
    questions = [q for q, _ in qa_fixture().questions]
    latencies = []
    for n in range(queries):
        started = time.perf_counter()
        call(questions[n % len(questions)])
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def search_latencies(quire: Any, queries: int) -> list[float]:
    quire.search("opening the index")  # the first query pays for opening the index
    return _latencies_ms(quire.search, queries)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure_scale(workdir: Path, sizes: list[int], queries: int) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for size in sizes:
        label = f"{size // 1000}k"
        home = workdir / f"scale-{label}"
        before = _rss_mb()
        started = time.perf_counter()
        quire = build_library(home, size)
        figures[f"search_{label}_build_s"] = round(time.perf_counter() - started, 1)
        latencies = search_latencies(quire, queries)
        figures[f"search_{label}_p50_ms"] = round(statistics.median(latencies), 2)
        figures[f"search_{label}_p95_ms"] = round(percentile(latencies, 0.95), 2)
        figures[f"search_{label}_rss_growth_mb"] = round(_rss_mb() - before, 1)
        figures[f"search_{label}_disk_mb"] = round(_folder_mb(home), 1)
    return figures


def query_embedding_ms(quire: Any, queries: int) -> float:
    return round(statistics.median(_latencies_ms(lambda q: quire.embedder.encode([q]), queries)), 2)
