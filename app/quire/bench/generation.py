"""Generation: the local model answering 4-source questions (cold, and warm with the sources' prefix
already in its KV cache) against llama.cpp's own llama-bench on the same model and threads; and the
LAN and OCI providers when they are configured."""

from __future__ import annotations

import json
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

from quire.bench.corpus import TOPICS
from quire.chat.answer import AnswerStream
from quire.errors import QuireError

DECODE_TOKENS = 128
LONG_ANSWER = "Summarise every source in detail, one paragraph per source."


def _median(values: list[float], digits: int = 3) -> float | None:
    return round(statistics.median(values), digits) if values else None


def _answer(question: str, hits: list[Any], provider: Any, max_tokens: int) -> Any:
    stream = AnswerStream(question, hits, [provider], max_tokens=max_tokens, temperature=0.0)
    return stream.result()


def measure_local(quire: Any, runs: int) -> dict[str, Any]:
    """Cold: new sources each time, so the prompt is evaluated from the instructions on. Warm: a
    follow-up on the same sources: the system turn (instructions and sources) comes from the cache."""
    from quire.providers.local import LocalProvider, physical_cores

    provider = LocalProvider(quire.settings)
    started = time.perf_counter()
    try:
        provider.count_tokens("load")
    except QuireError as exc:
        return {"local_error": str(exc)}
    figures: dict[str, Any] = {
        "local_model": provider.model,
        "local_threads": quire.settings.get("providers.local.threads") or physical_cores(),
        "local_load_s": round(time.perf_counter() - started, 2),
    }
    cold, warm, prompt_rate, prompt_tokens, decode = [], [], [], [], []
    for n in range(runs):
        topic = TOPICS[n % len(TOPICS)]
        hits = quire.search(f"What was measured about {topic}?", 4)
        first = _answer(f"What was measured about {topic}?", hits, provider, 64)
        m = first.metrics
        if m.ttft_s:
            cold.append(m.ttft_s)
            prompt_rate.append(m.prompt_tokens / m.ttft_s)
            prompt_tokens.append(m.prompt_tokens)
        follow_up = _answer(LONG_ANSWER, hits, provider, DECODE_TOKENS)
        if follow_up.metrics.ttft_s:
            warm.append(follow_up.metrics.ttft_s)
        if follow_up.metrics.tokens_per_s:
            decode.append(follow_up.metrics.tokens_per_s)
    for _ in range(max(0, 3 - runs)):  # at least three decodes: the best of them is compared
        again = _answer(LONG_ANSWER, hits, provider, DECODE_TOKENS)
        if again.metrics.tokens_per_s:
            decode.append(again.metrics.tokens_per_s)
    figures.update(
        local_prompt_tokens=int(statistics.median(prompt_tokens)) if prompt_tokens else None,
        local_ttft_cold_s=_median(cold),
        local_ttft_warm_s=_median(warm),
        local_prompt_tok_s=_median(prompt_rate, 1),
        local_decode_tok_s=_median(decode, 1),
        # the best run, as llama-bench's best repetition: on a shared machine the slower runs
        # measure the neighbours, and both sides are compared at their least disturbed
        local_decode_best_tok_s=round(max(decode), 1) if decode else None,
    )
    return figures


def find_llama_bench(given: Path | None) -> Path | None:
    """The binary scripts/build_llama_bench.sh made for the installed llama-cpp-python, if any."""
    import importlib.metadata

    if given is not None:
        return given if given.is_file() else None
    version = importlib.metadata.version("llama_cpp_python")
    built = Path("build") / "llama-bench" / version / "bin" / "llama-bench"
    return built if built.is_file() else None


def measure_native(binary: Path, model: Path, threads: int, prompt_tokens: int) -> dict[str, Any]:
    """llama.cpp's own figures for the same model and threads: the prompt's length evaluated from an
    empty context, and decoding with that prompt already in the context (`-d`), as Quire decodes:
    attention over 700 tokens makes a small model's decode a third slower than from an empty one."""
    figures: dict[str, Any] = {"native_binary": str(binary)}
    runs = {
        "native_prompt_tok_s": ["-p", str(prompt_tokens), "-n", "0"],
        "native_decode_tok_s": ["-p", "0", "-n", str(DECODE_TOKENS), "-d", str(prompt_tokens)],
    }
    for key, shape in runs.items():
        # flash attention off, as llama-cpp-python runs the model (llama-bench's "auto" turns it on,
        # which decodes 10% slower at this depth on a CPU)
        command = [
            str(binary),
            "-m",
            str(model),
            "-t",
            str(threads),
            "-fa",
            "0",
            *shape,
            "-r",
            "3",
            "-o",
            "json",
        ]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=True)
            result = json.loads(done.stdout)[0]
            figures[key] = round(result["avg_ts"], 1)
            best = max(result.get("samples_ts") or [0])  # its least disturbed repetition
            figures[key.replace("_tok_s", "_best_tok_s")] = round(best, 1) or None
        except (OSError, subprocess.SubprocessError, ValueError, LookupError) as exc:
            figures["native_error"] = f"{binary}: {exc}"
    return figures


def measure_remote(quire: Any, runs: int) -> dict[str, Any]:
    """TTFT and tokens/s of the LAN and OCI providers that are configured and answer a health check."""
    from quire.providers.router import make_provider

    figures: dict[str, Any] = {}
    for name in ("lan", "oci"):
        try:
            provider = make_provider(name, quire.settings)
        except QuireError:
            continue  # not configured: nothing to compare
        health = provider.health()
        if not health.ok:
            figures[f"{name}_error"] = health.reason
            continue
        ttft, rate = [], []
        for n in range(runs):
            question = f"What was measured about {TOPICS[n % len(TOPICS)]}?"
            try:
                answer = _answer(question, quire.search(question, 4), provider, DECODE_TOKENS)
            except QuireError as exc:
                figures[f"{name}_error"] = str(exc)
                break
            if answer.metrics.ttft_s:
                ttft.append(answer.metrics.ttft_s)
            if answer.metrics.tokens_per_s:
                rate.append(answer.metrics.tokens_per_s)
        figures.update(
            {
                f"{name}_model": provider.model,
                f"{name}_ttft_s": _median(ttft),
                f"{name}_decode_tok_s": _median(rate, 1),
            }
        )
    return figures
