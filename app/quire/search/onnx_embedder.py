"""MiniLM through ONNX Runtime: the same model as the sentence-transformers path, exported once into
the user's cache (fp32, optionally with int8 weights), then run without torch.

Why: torch costs seconds to import and hundreds of MB of memory, and its per-call overhead dominates
embedding one short query. fp32 ONNX gives the same vectors (cosine > 0.99999) at the same chunk
throughput and embeds a query several times faster. int8 (search/int8.py) is faster again and keeps
recall within a point of fp32 on the bench's QA fixture. The export needs torch and onnx (both
installed with Quire) and takes seconds, once per model and variant."""

from __future__ import annotations

import json
import logging
import os
import tempfile
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from quire.errors import ModelError

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

INPUTS = ("input_ids", "attention_mask", "token_type_ids")


# fp32: the model as exported; int8: SmoothQuant and per-channel int8 weight matmuls (search/int8.py);
# int8-dynamic: every matmul weight and embedding table per tensor (the first int8, kept to compare)
VARIANTS = ("fp32", "int8", "int8-dynamic")
_SUFFIX = {"fp32": "fp32", "int8": "int8-smooth", "int8-dynamic": "int8"}


def exported_path(model_dir: Path, cache_dir: Path, variant: str) -> Path:
    """One file per model folder, its weights' size and the variant, so a new model (or recipe)
    never reuses an old export."""
    weights = model_dir / "model.safetensors"
    stamp = weights.stat().st_size if weights.exists() else 0
    return cache_dir / f"{model_dir.parent.name}-{stamp}-{_SUFFIX[variant]}.onnx"


def export(model_dir: Path, target: Path, variant: str) -> None:
    # Heavy imports here: only the first start with this backend exports the model.
    import onnx
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    from quire.search import int8

    hf_logging.disable_progress_bar()  # no "Loading weights" bar in the terminal

    class _Encoder(torch.nn.Module):
        def __init__(self, model: torch.nn.Module) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    target.parent.mkdir(parents=True, exist_ok=True)
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    model = _Encoder(AutoModel.from_pretrained(str(model_dir))).eval()
    sample = tokenizer(["a sample sentence", "another"], padding=True, return_tensors="pt")
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on shapes are for model authors
        fp32 = Path(tmp) / "fp32.onnx"
        smoothed = Path(tmp) / "smoothed.onnx"
        quantized = Path(tmp) / "int8.onnx"
        torch.onnx.export(
            model,
            tuple(sample[name] for name in INPUTS),
            str(fp32),
            input_names=list(INPUTS),
            output_names=["last_hidden_state"],
            dynamic_axes={name: {0: "batch", 1: "tokens"} for name in (*INPUTS, "last_hidden_state")},
            opset_version=17,
            dynamo=False,
        )
        if variant == "int8":
            int8.smooth(fp32, model_dir, smoothed)
            int8.quantize(smoothed, quantized)
        elif variant == "int8-dynamic":
            quantize_dynamic(str(fp32), str(quantized), weight_type=QuantType.QInt8)
        made = fp32 if variant == "fp32" else quantized
        # The weights in a file of their own beside the graph: ONNX Runtime then reads them as they
        # are instead of parsing them out of the protobuf, which takes 40% off each start-up's load.
        graph = Path(tmp) / "graph.onnx"
        onnx.save(
            onnx.load(str(made)),
            str(graph),
            save_as_external_data=True,
            all_tensors_to_one_file=True,
            location=weights_path(target).name,
            size_threshold=1024,
        )
        weights = Path(tmp) / weights_path(target).name
        weights.chmod(0o644)  # (onnx writes it private; a shared install must read it)
        os.replace(weights, weights_path(target))
        os.replace(graph, target)  # last, atomic: without it the export counts as not made
    log.info("exported %s as ONNX to %s", model_dir, target)


def weights_path(exported: Path) -> Path:
    """Where an export keeps its weights (an older, single-file export has none)."""
    return exported.with_name(exported.name + ".data")


def _complete(path: Path) -> bool:
    """The graph, and its weights file when it has one (a graph alone is under a megabyte)."""
    return path.is_file() and (weights_path(path).is_file() or path.stat().st_size > 2**20)


class OnnxModel:
    """Mean-pooled, unit-length sentence vectors, as sentence-transformers computes them."""

    def __init__(
        self,
        model_dir: Path,
        cache_dir: Path,
        variant: str = "fp32",
        threads: int | None = None,
        shipped: list[Path] | None = None,
        device: str = "auto",
    ) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        from quire.search.devices import available_providers, choose_device, device_in_use

        choice = choose_device(device, available_providers())
        if choice.device != "cpu" and variant != "fp32":  # int8 kernels are a CPU's: a GPU runs fp32
            log.info("embedder: %s runs the fp32 export (int8 is for CPUs)", choice.device)
            variant = "fp32"
        self.variant = variant
        path = exported_path(model_dir, cache_dir, variant)
        for folder in shipped or []:  # an export made at install time (`make models`, the bundle)
            if _complete(folder / path.name):
                path = folder / path.name
                break
        if not _complete(path):
            try:
                export(model_dir, path, variant)
            except Exception as exc:
                raise ModelError(f"{model_dir}: could not export the embedder to ONNX ({exc})") from exc
        config = json.loads((model_dir / "sentence_bert_config.json").read_text(encoding="utf-8"))
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_length=int(config.get("max_seq_length", 256)))
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # to the longest in the batch
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        options.log_severity_level = 3  # its warnings are for model authors, not for our users
        self._session = ort.InferenceSession(str(path), options, providers=list(choice.providers))
        self.device = device_in_use(choice, self._session.get_providers())
        if self.device.notice:
            log.warning("embedder: %s", self.device.notice)

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        import numpy as np

        # similar lengths share a batch, so little time goes on padding
        order = sorted(range(len(texts)), key=lambda n: len(texts[n]))
        out = np.zeros((len(texts), 384), dtype="float32")  # resized below for another model
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            encodings = self._tokenizer.encode_batch([texts[n] for n in rows])
            feed = {
                "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
            }
            hidden = self._session.run(None, feed)[0]
            mask = feed["attention_mask"][..., None].astype("float32")
            pooled = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
            pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
            if out.shape[1] != pooled.shape[1]:
                out = np.zeros((len(texts), pooled.shape[1]), dtype="float32")
            out[rows] = pooled
        return out


if __name__ == "__main__":  # `python -m quire.search.onnx_embedder FOLDER`: export at install time
    import sys

    from quire.search.embedder import bundled_model_dir

    folder = Path(sys.argv[1])
    for variant in ("fp32", "int8"):  # what the app ships; int8-dynamic is exported when asked for
        target = exported_path(bundled_model_dir(), folder, variant)
        if not _complete(target):
            export(bundled_model_dir(), target, variant)
        print(target)
        if weights_path(target).is_file():
            print(weights_path(target))
