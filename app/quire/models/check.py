"""The check a GGUF passes before Quire trusts it, shown as a model card (`quire models check FILE`).

Header → architecture known to the bundled llama.cpp → chat template → memory estimate (a model
that would swap is refused before loading) → load → perplexity on a bundled paragraph → a smoke
answer on a bundled three-question fixture, asked through Quire itself. A failed step ends the
check; a broken file never becomes the default."""

from __future__ import annotations

import contextlib
import ctypes
import logging
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from quire.config import Settings
from quire.errors import ModelError
from quire.models.catalog import gib, memory_estimate
from quire.models.gguf import GGUFHeader, read_header

log = logging.getLogger(__name__)

OK, WARN, FAIL, SKIP = "ok", "warn", "fail", "skip"
PERPLEXITY_LIMIT = 500.0  # small sane models score 5–60 on plain English; broken weights, thousands
SAMPLE_MESSAGES = [
    {"role": "system", "content": "You answer from the sources."},
    {"role": "user", "content": "What is the nightly hotel limit?"},
]


@dataclass(frozen=True)
class CheckStep:
    name: str
    status: str  # ok | warn | fail | skip
    detail: str


@dataclass(frozen=True)
class SmokeAnswer:
    question: str
    answer: str
    facts: list[str]
    passed: bool


@dataclass(frozen=True)
class ModelCard:
    path: str
    name: str
    architecture: str
    kind: str
    quantisation: str
    size_bytes: int
    parameters: int
    context_length: int | None
    chat_template: str  # "from the file", or what is used instead
    memory_needed: int | None
    memory_free: int | None
    perplexity: float | None
    smoke: list[SmokeAnswer]
    steps: list[CheckStep]
    seconds: float
    llama_cpp: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.steps) and all(step.status != FAIL for step in self.steps)

    @property
    def problem(self) -> str | None:
        failed = next((s for s in self.steps if s.status == FAIL), None)
        return None if failed is None else f"{self.path}: {failed.detail}"


@dataclass
class _Run:
    path: Path
    steps: list[CheckStep] = field(default_factory=list)
    say: Callable[[str], None] | None = None

    def add(self, name: str, status: str, detail: str) -> bool:
        self.steps.append(CheckStep(name, status, detail))
        if self.say:
            self.say(f"{name}: {status} — {detail}")
        return status != FAIL


def check_model(
    path: Path,
    settings: Settings,
    *,
    smoke: bool = True,
    perplexity: bool = True,
    embedder: Any = None,
    ram_free: int | None = None,
    say: Callable[[str], None] | None = None,
) -> ModelCard:
    """Check a GGUF chat model; the card's steps say what passed. Never raises for a bad file."""
    started = time.perf_counter()
    run = _Run(path, say=say)
    header: GGUFHeader | None = None
    template = "–"
    needed = free = None
    ppl: float | None = None
    answers: list[SmokeAnswer] = []
    try:
        header = _header_step(run, path)
        if header is not None and _architecture_step(run, header):
            template = _template_step(run, header)
            needed, free = _memory_step(run, header, settings, ram_free)
            if run.steps[-1].status != FAIL and _load_step(run, header, settings):
                if perplexity:
                    ppl = _perplexity_step(run, header, settings)
                if smoke and run.steps[-1].status != FAIL:
                    from quire.models.smoke import smoke_answers

                    answers = smoke_answers(path, settings, embedder)
                    _smoke_step(run, answers)
    except Exception as exc:  # the check reports; it never takes the app down with the file
        log.exception("model check failed unexpectedly")
        run.add("check", FAIL, f"unexpected error: {type(exc).__name__}: {exc}")
    return ModelCard(
        path=str(path),
        name=header.name if header else path.name,
        architecture=header.architecture if header else "",
        kind=header.kind if header else "",
        quantisation=header.quantisation if header else "",
        size_bytes=path.stat().st_size if path.exists() else 0,
        parameters=header.parameters if header else 0,
        context_length=header.context_length if header else None,
        chat_template=template,
        memory_needed=needed,
        memory_free=free,
        perplexity=ppl,
        smoke=answers,
        steps=run.steps,
        seconds=round(time.perf_counter() - started, 2),
        llama_cpp=llama_cpp_version(),
    )


def llama_cpp_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("llama_cpp_python")
    except PackageNotFoundError:
        return ""


# The steps ----------------------------------------------------------------------------------------


def _header_step(run: _Run, path: Path) -> GGUFHeader | None:
    try:
        header = read_header(path)
    except ModelError as exc:
        run.add("header", FAIL, str(exc).removeprefix(f"{path}: "))
        return None
    if header.kind == "adapter":
        run.add(
            "header", FAIL, "this is a LoRA adapter, not a model: attach it to its base model with --adapter"
        )
        return None
    if header.truncated:
        run.add(
            "header",
            FAIL,
            f"truncated: the file is {header.file_size:,} bytes but its tensors end at "
            f"{header.expected_size:,} (an incomplete download?)",
        )
        return None
    run.add(
        "header",
        OK,
        f"GGUF v{header.version}, {len(header.tensors)} tensors, {header.architecture or '?'}, "
        f"{header.quantisation}, {header.parameters / 1e6:,.0f}M parameters",
    )
    return header


@contextlib.contextmanager
def llama_messages() -> Iterator[list[str]]:
    """What llama.cpp logs meanwhile (its reasons for refusing a file), then its usual logger back."""
    import llama_cpp
    from llama_cpp import _logger

    seen: list[str] = []

    @llama_cpp.llama_log_callback  # type: ignore[misc]
    def capture(level: int, text: bytes, user_data: Any) -> None:
        line = text.decode("utf-8", errors="replace").strip()
        if line and ("error" in line.lower() or "unknown" in line.lower() or "failed" in line.lower()):
            seen.append(line)

    llama_cpp.llama_log_set(capture, ctypes.c_void_p(0))
    try:
        yield seen
    finally:
        llama_cpp.llama_log_set(_logger.llama_log_callback, ctypes.c_void_p(0))


def _architecture_step(run: _Run, header: GGUFHeader) -> bool:
    """llama.cpp itself decides: a vocabulary-only load reads the architecture and the tokenizer."""
    import llama_cpp  # heavy: the native library

    params = llama_cpp.llama_model_default_params()
    params.vocab_only = True
    with llama_messages() as seen:
        model = llama_cpp.llama_model_load_from_file(str(header.path).encode("utf-8"), params)
    if not model:
        reason = next((line for line in seen if "error loading model" in line), seen[-1] if seen else "")
        return run.add(
            "architecture",
            FAIL,
            f"the llama.cpp in llama-cpp-python {llama_cpp_version()} cannot use "
            f"architecture {header.architecture!r}" + (f" ({_clean(reason)})" if reason else ""),
        )
    llama_cpp.llama_model_free(model)
    return run.add(
        "architecture",
        OK,
        f"{header.architecture} is supported by the llama.cpp in llama-cpp-python {llama_cpp_version()}",
    )


def _clean(line: str) -> str:
    """llama.cpp's own words, without its function-name prefix."""
    for prefix in ("error loading model: ", "llama_model_load_from_file_impl: "):
        if prefix in line:
            return line.split(prefix, 1)[1]
    return line


def _template_step(run: _Run, header: GGUFHeader) -> str:
    template = header.chat_template
    if template is None:
        from llama_cpp.llama_chat_format import guess_chat_format_from_gguf_metadata

        guessed = guess_chat_format_from_gguf_metadata(header.metadata) or "llama-2"
        run.add(
            "chat template",
            WARN,
            f"none in the file: llama-cpp-python's {guessed!r} format is used instead (answers may be worse)",
        )
        return f"missing: {guessed!r} format used instead"
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    try:
        prompt = Jinja2ChatFormatter(template=template, eos_token="", bos_token="")(
            messages=SAMPLE_MESSAGES  # type: ignore[arg-type]
        ).prompt
    except Exception as exc:  # a template is a program: any error is the file's
        run.add(
            "chat template", FAIL, f"the file's chat template does not render ({type(exc).__name__}: {exc})"
        )
        return "broken"
    if SAMPLE_MESSAGES[1]["content"] not in prompt:
        run.add("chat template", FAIL, "the file's chat template renders without the question")
        return "broken"
    run.add("chat template", OK, f"renders ({len(template):,} characters of Jinja)")
    return "from the file"


def kv_bytes_per_token(header: GGUFHeader) -> int:
    """K and V for one token in f16, over the layers that have attention."""
    layers = int(header.arch("block_count") or 0)
    heads = header.arch("attention.head_count") or 1
    kv_heads = header.arch("attention.head_count_kv", heads)
    embedding = int(header.arch("embedding_length") or 0)
    first_heads = (heads[0] if isinstance(heads, list) and heads else heads) or 1
    head_dim = int(embedding / (first_heads if isinstance(first_heads, int) else 1)) if embedding else 128
    k_len = int(header.arch("attention.key_length") or head_dim)
    v_len = int(header.arch("attention.value_length") or head_dim)
    if isinstance(kv_heads, list):  # per layer (hybrid models: 0 for the recurrent ones)
        total_heads = sum(int(h) for h in kv_heads)
    elif isinstance(kv_heads, int):
        total_heads = kv_heads * layers
    else:
        total_heads = layers * int(first_heads)
    return total_heads * (k_len + v_len) * 2


def _memory_step(run: _Run, header: GGUFHeader, settings: Settings, ram_free: int | None) -> tuple[int, int]:
    import psutil

    context = int(settings.get("providers.local.context"))
    if header.context_length:
        context = min(context, header.context_length)
    needed = memory_estimate(header.file_size, kv_bytes_per_token(header) * context)
    free = ram_free if ram_free is not None else psutil.virtual_memory().available
    detail = f"needs ~{gib(needed)} at {context} tokens of context (weights + KV cache); {gib(free)} free"
    if needed > free:
        run.add(
            "memory",
            FAIL,
            f"{detail}: it would swap, so it is not loaded. Close other programs, lower "
            "providers.local.context, or choose a smaller quantisation",
        )
    else:
        run.add(
            "memory",
            OK if needed <= 0.8 * free else WARN,
            detail + ("" if needed <= 0.8 * free else ", tight"),
        )
    return needed, free


_loaded: dict[str, Any] = {}  # the check's own llama (logits for every token), kept for its next steps


def _load_step(run: _Run, header: GGUFHeader, settings: Settings) -> bool:
    import llama_cpp

    from quire.providers.local import physical_cores

    threads = settings.get("providers.local.threads") or physical_cores()
    layers = settings.get("providers.local.gpu_layers") if llama_cpp.llama_supports_gpu_offload() else 0
    started = time.perf_counter()
    try:
        with llama_messages() as seen:
            llm = llama_cpp.Llama(
                model_path=str(header.path),
                n_ctx=256,
                logits_all=True,  # perplexity needs the logits of every position
                n_threads=threads,
                n_gpu_layers=layers,
                verbose=False,
            )
    except Exception as exc:
        reason = seen[-1] if seen else str(exc)
        return run.add("load", FAIL, f"llama.cpp could not load it ({_clean(reason)})")
    _loaded[str(header.path)] = llm
    return run.add("load", OK, f"loaded in {time.perf_counter() - started:.1f} s ({threads} threads)")


def _perplexity_step(run: _Run, header: GGUFHeader, settings: Settings) -> float | None:
    import numpy as np

    llm = _loaded.get(str(header.path))
    if llm is None:
        run.add("perplexity", SKIP, "the model is not loaded")
        return None
    text = resources.files("quire.models").joinpath("smoke/paragraph.txt").read_text(encoding="utf-8")
    try:
        tokens = llm.tokenize(text.strip().encode("utf-8"), add_bos=True)[: llm.n_ctx()]
        llm.reset()
        llm.eval(tokens)
        logits = np.asarray(llm.scores[: len(tokens) - 1], dtype=np.float64)
    except Exception as exc:
        run.add("perplexity", FAIL, f"evaluating the paragraph failed ({type(exc).__name__}: {exc})")
        return None
    finally:
        _loaded.pop(str(header.path), None)
        with contextlib.suppress(Exception):
            llm.close()
    top = logits.max(axis=1, keepdims=True)
    log_norm = top[:, 0] + np.log(np.exp(logits - top).sum(axis=1))
    targets = np.asarray(tokens[1:])
    nll = log_norm - logits[np.arange(len(targets)), targets]
    value = float(math.exp(nll.mean()))
    if not math.isfinite(value) or value > PERPLEXITY_LIMIT:
        run.add("perplexity", FAIL, f"{value:.1f} on the bundled paragraph: the weights look broken")
    else:
        run.add("perplexity", OK, f"{value:.1f} on the bundled paragraph ({len(tokens)} tokens)")
    return round(value, 2)


def _smoke_step(run: _Run, answers: list[SmokeAnswer]) -> None:
    right = sum(a.passed for a in answers)
    empty = sum(not a.answer.strip() for a in answers)
    if empty == len(answers):
        run.add("smoke answer", FAIL, "no answer at all to the three bundled questions")
    else:
        status = OK if right == len(answers) else WARN
        run.add("smoke answer", status, f"{right} of {len(answers)} bundled questions answered with the fact")
