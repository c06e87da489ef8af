"""What this machine offers a model: free RAM, free GPU memory, and the shipped model's measured speed."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
from pathlib import Path
from typing import Any

from quire.config import DEFAULT_MODEL_FILE, Settings
from quire.models.catalog import Machine

log = logging.getLogger(__name__)


def bench_path(settings: Settings) -> Path:
    """`quire bench` keeps its last figures here, for the catalog's speed estimates."""
    return settings.home / "bench-last.json"


def save_bench_figures(settings: Settings, figures: dict[str, Any]) -> None:
    try:
        settings.home.mkdir(parents=True, exist_ok=True)
        bench_path(settings).write_text(json.dumps(figures, indent=1), encoding="utf-8")
    except OSError as exc:  # a read-only data dir: the bench printed its figures anyway
        log.warning("bench figures not kept: %s", exc)


def gpu_free_bytes() -> int | None:
    """Free memory of the first NVIDIA GPU, when this llama.cpp build can offload to one."""
    try:
        import llama_cpp  # heavy: only asked for when the catalog is shown

        if not llama_cpp.llama_supports_gpu_offload():
            return None
    except Exception:
        return None
    smi = shutil.which("nvidia-smi")
    if not smi:
        return None  # Metal shares the RAM: the RAM figure covers it
    try:
        out = subprocess.run(
            [smi, "--query-gpu=memory.free", "--format=csv,noheader,nounits"],
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout  # fmt: skip
        return int(out.split()[0]) * 2**20
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return None


def reference_speed(settings: Settings) -> tuple[float | None, str]:
    """The shipped model's decode tokens/s here: from `quire bench`, else from recent answers."""
    path = bench_path(settings)
    if path.is_file():
        try:
            rate = json.loads(path.read_text(encoding="utf-8")).get("local_decode_tok_s")
            if rate:
                return float(rate), "quire bench"
        except (OSError, ValueError, AttributeError):
            pass
    if settings.metrics_path.is_file():
        from quire.chat.metrics import MetricsLog

        for row in MetricsLog(settings.metrics_path).summary():
            if (
                row["provider"] == "local"
                and row["model"] == DEFAULT_MODEL_FILE
                and row["tokens_per_s_median"]
            ):
                return float(row["tokens_per_s_median"]), "recent answers"  # type: ignore[arg-type]
    return None, ""


def this_machine(settings: Settings, with_gpu: bool = True) -> Machine:
    import psutil

    from quire.providers.local import find_models

    rate, source = reference_speed(settings)
    shipped = next((m for m in find_models(settings) if m.name == DEFAULT_MODEL_FILE), None)
    return Machine(
        ram_free=psutil.virtual_memory().available,
        gpu_free=gpu_free_bytes() if with_gpu else None,
        reference_tok_s=rate,
        reference_size=shipped.size if shipped else None,
        reference_source=source,
    )
