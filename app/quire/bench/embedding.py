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
    """Each backend on the same chunk texts (the reference: sentence-transformers' own encode), on
    the CPU; then fp32 on the GPU when ONNX Runtime has one (the GPU row)."""
    figures: dict[str, Any] = {}
    for backend in (b for b in BACKENDS if b != "auto"):
        key = backend.replace("-", "_")
        embedder = Embedder(backend=backend, cache_dir=cache_dir, device="cpu")
        started = time.perf_counter()
        embedder.warm_up()
        figures[f"embed_{key}_load_s"] = round(time.perf_counter() - started, 2)
        figures[f"embed_{key}_chunks_per_s"] = round(raw_rate(embedder, texts, batch), 1)
        figures[f"embed_{key}_recall5_pct"], figures[f"embed_{key}_recall1_pct"] = recall_at_5(embedder)
    figures.update(measure_gpu(texts, batch, cache_dir))
    return figures


def measure_gpu(texts: list[str], batch: int, cache_dir: Path) -> dict[str, Any]:
    """fp32 ONNX on the GPU ONNX Runtime offers (CUDA, CoreML), if any; its vectors against the CPU's."""
    from quire.search.devices import available_providers, choose_device

    choice = choose_device("auto", available_providers())
    if choice.device == "cpu":
        return {"embed_gpu_device": None}  # no GPU execution provider: no row
    embedder = Embedder(backend="onnx", cache_dir=cache_dir, device=choice.device)
    used = embedder.device
    if used.device == "cpu":
        return {"embed_gpu_device": None, "embed_gpu_error": used.notice}
    cpu = Embedder(backend="onnx", cache_dir=cache_dir, device="cpu").encode(texts[:64], batch)
    gpu = embedder.encode(texts[:64], batch)
    return {
        "embed_gpu_device": used.device,
        "embed_gpu_chunks_per_s": round(raw_rate(embedder, texts, batch), 1),
        "embed_gpu_min_cosine_to_cpu": round(float((cpu * gpu).sum(axis=1).min()), 6),
        "embed_gpu_recall5_pct": recall_at_5(embedder)[0],
    }
