"""LoRA adapters (GGUF, from llama.cpp's convert_lora_to_gguf.py) attached to a local model per chat.

An adapter is checked against its base model first: its header must say it is a LoRA adapter for
the same architecture, and each of its A/B pairs must fit a tensor of the base (an adapter trained
on another base model has other tensor shapes). It is then applied to the loaded model's context
with llama.cpp's llama_set_adapters_lora: no reload of the base model, and switching adapters (or
back to none) between chats costs only a fresh KV cache."""

from __future__ import annotations

import ctypes
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from quire.errors import ModelError
from quire.models.gguf import GGUFHeader, read_header

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AdapterChoice:
    path: Path
    scale: float = 1.0

    @property
    def label(self) -> str:
        return f"{self.path.name}:{self.scale:g}"


def parse_adapter(text: str) -> AdapterChoice:
    """FILE or FILE:SCALE (a scale of 0.5 applies half of the adapter's change)."""
    path, scale = text, 1.0
    head, sep, tail = text.rpartition(":")
    if sep and head:
        try:
            scale = float(tail)
            path = head
        except ValueError:
            pass
    choice = AdapterChoice(Path(path).expanduser(), scale)
    if not choice.path.is_file():
        raise ModelError(f"{choice.path}: no such adapter file")
    if not -4.0 <= scale <= 4.0:
        raise ModelError(f"{text}: an adapter scale between -4 and 4, please (1 = as trained)")
    return choice


@dataclass(frozen=True)
class AdapterReport:
    adapter: str
    base: str
    ok: bool
    detail: str
    architecture: str = ""
    alpha: float | None = None
    tensors: int = 0


def check_adapter(adapter: Path, base: Path) -> AdapterReport:
    """Whether this adapter was made for this base model; the detail says why not."""
    head = read_header(adapter)
    model = read_header(base)

    def refuse(why: str) -> AdapterReport:
        return AdapterReport(
            str(adapter), str(base), False, why, head.architecture, _alpha(head), len(head.tensors)
        )

    if head.kind != "adapter":
        return refuse("not an adapter (general.type is not 'adapter')")
    kind = head.get("adapter.type")
    if kind != "lora":
        return refuse(f"adapter type {kind!r}: only LoRA adapters are supported")
    if head.truncated:
        return refuse("the adapter file is truncated")
    if model.kind != "model":
        return refuse(f"{base.name} is not a model")
    if head.architecture != model.architecture:
        return refuse(
            f"made for a {head.architecture!r} model, but {base.name} is {model.architecture!r}: "
            "an adapter for another base model"
        )
    mismatch = _shape_mismatch(head, model)
    if mismatch:
        return refuse(f"made for another base model: {mismatch}")
    pairs = sum(1 for t in head.tensors if t.name.endswith(".lora_a"))
    detail = f"LoRA for {model.architecture}: its {pairs} tensor pairs fit {base.name}"
    return AdapterReport(
        str(adapter), str(base), True, detail, head.architecture, _alpha(head), len(head.tensors)
    )


def _alpha(header: GGUFHeader) -> float | None:
    value = header.get("adapter.lora.alpha")
    return float(value) if isinstance(value, int | float) else None


def _shape_mismatch(adapter: GGUFHeader, model: GGUFHeader) -> str | None:
    shapes = model.tensor_shapes()
    own = adapter.tensor_shapes()
    for name, a_shape in own.items():
        if not name.endswith(".lora_a"):
            continue
        target = name.removesuffix(".lora_a")
        b_shape = own.get(target + ".lora_b")
        base = shapes.get(target)
        if base is None:
            return f"{model.path.name} has no tensor {target}"
        if b_shape is None or len(a_shape) != 2 or len(b_shape) != 2:
            return f"{target} has no matching lora_b"
        # ggml order: base (in, out); lora_a (in, rank); lora_b (rank, out)
        if a_shape[0] != base[0] or b_shape[1] != base[1]:
            return (
                f"{target} is {base[0]}×{base[1]} in {model.path.name} but the adapter is for "
                f"{a_shape[0]}×{b_shape[1]}"
            )
    return None


# Applying -----------------------------------------------------------------------------------------

_lock = threading.Lock()
_loaded: dict[tuple[int, str], Any] = {}  # (model pointer, adapter path) → llama_adapter_lora
_current: dict[int, tuple[str, float] | None] = {}  # context pointer → what is set on it


def apply_adapter(llm: Any, choice: AdapterChoice | None) -> None:
    """Set `choice` (or no adapter) on the llama context; a change clears the KV cache, since
    cached keys and values computed with other weights must not be reused."""
    import llama_cpp  # heavy: only a loaded model gets here

    ctx = llm._ctx.ctx
    ctx_key = ctypes.cast(ctx, ctypes.c_void_p).value or 0
    wanted = None if choice is None else (str(choice.path.resolve()), float(choice.scale))
    with _lock:
        if _current.get(ctx_key) == wanted:
            return
        if wanted is None:
            status = llama_cpp.llama_set_adapters_lora(ctx, None, 0, None)
        else:
            model_key = ctypes.cast(llm._model.model, ctypes.c_void_p).value or 0
            handle = _loaded.get((model_key, wanted[0]))
            if handle is None:
                handle = llama_cpp.llama_adapter_lora_init(llm._model.model, wanted[0].encode("utf-8"))
                if not handle:
                    raise ModelError(
                        f"{wanted[0]}: llama.cpp could not load this adapter for {Path(llm.model_path).name}"
                    )
                _loaded[(model_key, wanted[0])] = handle
            adapters = (llama_cpp.llama_adapter_lora_p_ctypes * 1)(handle)
            scales = (ctypes.c_float * 1)(wanted[1])
            status = llama_cpp.llama_set_adapters_lora(ctx, adapters, 1, scales)
        if status != 0:
            raise ModelError(f"llama.cpp refused to set the adapter (status {status})")
        llm.reset()  # n_tokens = 0 and the KV cache cleared: the next prompt is evaluated afresh
        _current[ctx_key] = wanted
        log.info("adapter on %s: %s", Path(llm.model_path).name, "none" if wanted is None else choice.label)  # type: ignore[union-attr]


def attach(chain: list[Any], text: str) -> None:
    """Put FILE[:SCALE] on the local provider of a provider chain (checked against its model)."""
    choice = parse_adapter(text)
    local = [p for p in (getattr(c, "inner", c) for c in chain) if hasattr(p, "use_adapter")]
    if not local:
        raise ModelError(f"{choice.path}: a LoRA adapter works with the local provider only")
    for provider in local:
        provider.use_adapter(choice)
