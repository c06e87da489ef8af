"""Embedding: plain encode throughput on the corpus's own chunks, per backend, against the import
pipeline end to end; and recall@5 on the QA fixture, so speed is never bought with quality."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from quire.bench.corpus import QAFixture, qa_fixture
from quire.search.embedder import BACKENDS, Embedder


def recall_at_5(embedder: Embedder, fixture: QAFixture | None = None) -> tuple[float, float]:
    """recall@5 and recall@1 (%) of vector search alone on the QA fixture."""
    import numpy as np

    fixture = fixture or qa_fixture()
    passages = embedder.encode(fixture.passages)
    questions = embedder.encode([q for q, _ in fixture.questions])
    top = np.argsort(-(questions @ passages.T), axis=1)[:, :5]
    answers = [answer for _, answer in fixture.questions]
    at5 = sum(answer in row for answer, row in zip(answers, top.tolist(), strict=True)) / len(answers)
    at1 = sum(answer == row[0] for answer, row in zip(answers, top.tolist(), strict=True)) / len(answers)
    return round(100 * at5, 1), round(100 * at1, 1)


def raw_rate(embedder: Embedder, texts: list[str], batch: int) -> float:
    embedder.encode(texts[:batch], batch)  # first call pays for lazy set-up
    started = time.perf_counter()
    embedder.encode(texts, batch)
    return len(texts) / (time.perf_counter() - started)


def measure_backends(texts: list[str], batch: int, cache_dir: Path) -> dict[str, Any]:
    """Each backend on the same chunk texts (the reference: sentence-transformers' own encode)."""
    figures: dict[str, Any] = {}
    for backend in BACKENDS:
        key = backend.replace("-", "_")
        embedder = Embedder(backend=backend, cache_dir=cache_dir)
        started = time.perf_counter()
        embedder.warm_up()
        figures[f"embed_{key}_load_s"] = round(time.perf_counter() - started, 2)
        figures[f"embed_{key}_chunks_per_s"] = round(raw_rate(embedder, texts, batch), 1)
        figures[f"embed_{key}_recall5_pct"], figures[f"embed_{key}_recall1_pct"] = recall_at_5(embedder)
    return figures
