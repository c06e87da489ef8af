"""Where the embedder runs: the choice against the execution providers this ONNX Runtime really
has, a forced CPU, a forced device that is missing (one sentence, CPU fallback, same vectors)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from quire.config import Settings
from quire.errors import ModelError
from quire.search.devices import CPU, DEVICES, PROVIDERS, available_providers, choose_device, device_in_use
from quire.search.embedder import Embedder

TEXTS = ["The tidal range at Brest was 7 metres.", "Kelp farming doubled in 2021.", "café naïve émigré"]


def test_auto_takes_the_first_gpu_this_runtime_has_else_the_cpu() -> None:
    real = ort.get_available_providers()
    assert available_providers() == real and CPU in real
    choice = choose_device("auto", real)
    expected = next((d for d in ("cuda", "coreml") if PROVIDERS[d] in real), "cpu")
    assert choice.device == expected and choice.providers[-1] == CPU and choice.notice is None
    # the same rule on the provider lists other machines report
    cuda_box = ["TensorrtExecutionProvider", "CUDAExecutionProvider", CPU]
    assert choose_device("auto", cuda_box).providers == ("CUDAExecutionProvider", CPU)
    assert choose_device("auto", ["CoreMLExecutionProvider", CPU]).device == "coreml"
    assert choose_device("cpu", cuda_box).providers == (CPU,)


def test_a_forced_device_that_is_missing_says_why_and_falls_back_to_the_cpu() -> None:
    real = ort.get_available_providers()
    missing = [d for d in ("cuda", "coreml") if PROVIDERS[d] not in real]
    if not missing:
        pytest.skip("this ONNX Runtime has every GPU provider")
    choice = choose_device(missing[0], real)
    assert choice.device == "cpu" and choice.providers == (CPU,)
    assert choice.notice and f"embedder.device is {missing[0]}" in choice.notice
    assert "embedding on the CPU" in choice.notice and "CPU" in choice.notice.split("it has:")[1]
    with pytest.raises(ModelError, match="embedder.device must be one of"):
        choose_device("tpu", real)
    assert set(DEVICES) == {"auto", "cpu", "cuda", "coreml"}


def test_a_gpu_provider_that_fails_to_start_is_reported_not_hidden() -> None:
    asked = choose_device("cuda", ["CUDAExecutionProvider", CPU])
    fell_back = device_in_use(asked, [CPU])  # what a session says when CUDA could not load
    assert fell_back.device == "cpu" and fell_back.notice and "could not start" in fell_back.notice
    assert device_in_use(asked, ["CUDAExecutionProvider", CPU]) == asked


def test_every_device_setting_embeds_the_same_vectors_here(tmp_path: Path) -> None:
    """On this machine each setting ends on a real session; the vectors agree within float
    tolerance (on a GPU machine the same test compares the GPU's vectors with the CPU's)."""
    settings = Settings.load(tmp_path)
    reference = Embedder(
        backend="onnx", cache_dir=settings.cache_dir, shipped=settings.models_dirs, device="cpu"
    )
    base = reference.encode(TEXTS)
    assert reference.device.device == "cpu" and reference.device.notice is None
    for device in ("auto", "cuda", "coreml"):
        embedder = Embedder(
            backend="onnx", cache_dir=settings.cache_dir, shipped=settings.models_dirs, device=device
        )
        vectors = embedder.encode(TEXTS)
        assert vectors.shape == base.shape
        assert float(np.min(np.sum(vectors * base, axis=1))) > 0.9999
        used = embedder.device
        if PROVIDERS.get(device) not in ort.get_available_providers() and device != "auto":
            assert used.device == "cpu" and used.notice, used
