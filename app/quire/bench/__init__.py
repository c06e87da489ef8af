"""`quire bench`: Quire's speed measured in one run beside its references (sentence-transformers'
own encode, llama.cpp's own llama-bench), on a generated corpus or the user's folder.

Figures carry their unit in the name. Compare them as ratios within one run: the machines this
runs on are shared and noisy."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from quire.config import Settings

SECTIONS = (
    "embedding", "words", "search", "generation", "answers", "questions", "startup", "memory", "providers",
    "formats",
)  # fmt: skip


@dataclass(frozen=True)
class BenchOptions:
    quick: bool = False
    corpus: Path | None = None  # the user's folder instead of the generated corpus
    documents: int | None = None
    sections: tuple[str, ...] = SECTIONS
    llama_bench: Path | None = None


def _ratio(top: Any, bottom: Any) -> float | None:
    return (
        round(top / bottom, 2)
        if isinstance(top, int | float) and isinstance(bottom, int | float) and bottom
        else None
    )


def machine() -> dict[str, Any]:
    import platform

    import psutil

    return {
        "machine_cpu": _cpu_name(),
        "machine_cores": psutil.cpu_count(logical=False),
        "machine_threads": psutil.cpu_count(),
        "machine_memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "machine_os": platform.platform(terse=True),
    }


def _cpu_name() -> str:
    try:  # Linux names the CPU model here; platform.processor() is empty there
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor() or platform.machine()


def run_bench(
    settings: Settings, options: BenchOptions, say: Callable[[str], None] = lambda _: None
) -> dict[str, Any]:
    import statistics
    import tempfile

    from quire.bench import embedding, generation, scale, system, words_first
    from quire.bench.corpus import make_bench_corpus
    from quire.core import Quire

    quick = options.quick
    figures: dict[str, Any] = {"bench_quick": quick, **machine()}
    with tempfile.TemporaryDirectory(prefix="quire-bench-") as tmp:
        work = Path(tmp)
        corpus = options.corpus
        if corpus is None:
            corpus = work / "corpus"
            documents = options.documents or (10 if quick else 60)
            make_bench_corpus(corpus, documents, 3 if quick else 6)
        home = work / "home"
        bench_settings = Settings.load(home)
        kept = ("embedder.backend", "embedder.device", "providers.local.threads", "providers.local.model")
        for key in kept:
            bench_settings.set(key, settings.get(key))  # the user's choices, in the bench's library
        bench_settings.save()  # the start-up figures come from child processes on this library
        quire = Quire(bench_settings)
        figures["embedder_backend"] = quire.embedder.backend
        figures["embedder_device"] = quire.embedder.device.device

        say("importing the corpus")
        started = time.perf_counter()
        quire.embedder.warm_up()
        figures["embedder_load_s"] = round(time.perf_counter() - started, 2)
        summary = quire.ingest([corpus])
        figures.update(
            ingest_files=summary.added,
            ingest_pages=summary.pages,
            ingest_chunks=summary.chunks,
            ingest_s=summary.seconds,
            ingest_files_per_s=round(summary.added / summary.seconds, 2),
            ingest_pages_per_s=round(summary.pages / summary.seconds, 2),
            ingest_chunks_per_s=round(summary.chunks / summary.seconds, 1),
        )
        started = time.perf_counter()
        quire.ingest([corpus])
        figures["reimport_unchanged_s"] = round(time.perf_counter() - started, 3)

        if "embedding" in options.sections:
            say("embedding: each backend on the corpus's own chunks")
            texts = _chunk_texts(bench_settings.catalog_path, 96 if quick else 256)
            figures["embed_chunk_tokens_mean"] = _mean_tokens(texts)
            figures.update(
                embedding.measure_backends(
                    texts, settings.get("ingest.embed_batch"), quire.settings.cache_dir
                )
            )
            raw = figures.get(f"embed_{quire.embedder.backend.replace('-', '_')}_chunks_per_s")
            figures["embed_chunks_per_s"] = raw  # the backend in use (the names DESIGN.md gives)
            figures["pipeline_to_raw_ratio"] = _ratio(figures["ingest_chunks_per_s"], raw)
            figures["onnx_to_torch_ratio"] = _ratio(
                figures.get("embed_onnx_chunks_per_s"), figures.get("embed_torch_chunks_per_s")
            )
            for backend in ("onnx_int8", "onnx_int8_dynamic"):
                figures[f"{backend}_to_torch_ratio"] = _ratio(
                    figures.get(f"embed_{backend}_chunks_per_s"), figures.get("embed_torch_chunks_per_s")
                )
                figures[f"{backend}_to_fp32_ratio"] = _ratio(
                    figures.get(f"embed_{backend}_chunks_per_s"), figures.get("embed_onnx_chunks_per_s")
                )
            figures["gpu_to_cpu_ratio"] = _ratio(
                figures.get("embed_gpu_chunks_per_s"), figures.get("embed_onnx_chunks_per_s")
            )

        if "words" in options.sections:
            files = options.documents or (40 if quick else words_first.DROP_FILES)
            say(f"words first: {files} files dropped into an empty library")
            figures.update(words_first.measure_drop(work, settings, files))

        if "search" in options.sections:
            say("search: the corpus, then libraries of 10k and 100k chunks")
            latencies = scale.search_latencies(quire, 30 if quick else 100)
            figures["search_corpus_p50_ms"] = round(statistics.median(latencies), 2)
            figures["search_corpus_p95_ms"] = round(scale.percentile(latencies, 0.95), 2)
            figures["search_p50_ms"] = figures["search_corpus_p50_ms"]
            figures["search_p95_ms"] = figures["search_corpus_p95_ms"]
            figures["query_embed_p50_ms"] = scale.query_embedding_ms(quire, 50)
            figures.update(
                scale.measure_scale(work, [10_000] if quick else [10_000, 100_000], 50 if quick else 100)
            )

        if "generation" in options.sections:
            say("generation: the local model, then llama-bench on the same model")
            figures.update(generation.measure_local(quire, 1 if quick else 3))
            binary = generation.find_llama_bench(options.llama_bench)
            if binary is None:
                figures["native_error"] = "llama-bench not built (`make bench` builds it)"
            elif figures.get("local_prompt_tokens"):
                from quire.providers.local import resolve_model

                figures.update(
                    generation.measure_native(
                        binary,
                        resolve_model(quire.settings),
                        figures["local_threads"],
                        figures["local_prompt_tokens"],
                    )
                )
            figures["decode_to_native_ratio"] = _ratio(
                figures.get("local_decode_tok_s"), figures.get("native_decode_tok_s")
            )
            figures["decode_best_to_native_best_ratio"] = _ratio(
                figures.get("local_decode_best_tok_s"), figures.get("native_decode_best_tok_s")
            )
            figures["prompt_to_native_ratio"] = _ratio(
                figures.get("local_prompt_tok_s"), figures.get("native_prompt_tok_s")
            )

        if "answers" in options.sections:
            from quire.bench.answers import measure_answers

            figures.update(measure_answers(settings, work, quick, say))

        if "questions" in options.sections:  # dates, scope, follow-ups, set questions (issue #14)
            from quire.bench.questions import measure_questions

            figures.update(measure_questions(quire, work, quick, say))

        if "providers" in options.sections:
            figures.update(generation.measure_remote(quire, 2 if quick else 3))

        if "startup" in options.sections:
            say("start-up: window shown, first token")
            figures.update(system.measure_startup(home, 2 if quick else 3))
            figures.update(words_first.measure_search_process(home, 3 if quick else 5))

        if "formats" in options.sections:
            from quire.bench.formats import measure_formats

            say("formats: import per format, then OCR")
            dpi = settings.get("ocr.dpi")
            figures.update(measure_formats(work, quick, dpi, lambda folder: quire.ingest([folder]), say))

        if "memory" in options.sections:
            say("memory: peak RSS importing two corpus sizes")
            figures.update(system.measure_import_memory(work, [20, 40] if quick else [500, 1000]))
    return figures


def _chunk_texts(catalog: Path, limit: int) -> list[str]:
    """What the import embedded: each chunk's heading and text (Chunk.embed_text), spread evenly."""
    import sqlite3

    with sqlite3.connect(f"file:{catalog}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT heading, text FROM chunks ORDER BY id").fetchall()
    step = max(1, len(rows) // limit)
    return [f"{heading}\n{text}" if heading else text for heading, text in rows[::step][:limit]]


def _mean_tokens(texts: list[str]) -> float | None:
    import statistics

    try:
        from tokenizers import Tokenizer

        from quire.search.embedder import bundled_model_dir

        tokenizer = Tokenizer.from_file(str(bundled_model_dir() / "tokenizer.json"))
        tokenizer.no_truncation()
        return round(statistics.mean(len(e.ids) for e in tokenizer.encode_batch(texts)), 1) if texts else None
    except Exception:  # a figure for the table only
        return None
