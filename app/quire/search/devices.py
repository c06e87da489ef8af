"""Where the embedder runs: a GPU through ONNX Runtime's execution providers when there is one
(CUDA on NVIDIA with onnxruntime-gpu installed, CoreML on a Mac), else the CPU.

`embedder.device` = auto (the first of CUDA, CoreML, CPU that this ONNX Runtime has), or cpu, cuda
or coreml to force one. A forced device this machine cannot use is never an error: the embedder
runs on the CPU and says why in one sentence (the log, `quire doctor`). Every device computes the
same vectors within float tolerance, so a library indexed on one is searched on any."""

from __future__ import annotations

import functools
import platform
import subprocess
import sys
from dataclasses import dataclass

from quire.errors import ModelError

DEVICES = ("auto", "cpu", "cuda", "coreml")
CPU = "CPUExecutionProvider"
PROVIDERS = {"cuda": "CUDAExecutionProvider", "coreml": "CoreMLExecutionProvider", "cpu": CPU}
LABELS = {"cuda": "CUDA GPU", "coreml": "CoreML (Apple GPU/Neural Engine)", "cpu": "CPU"}
_HOW = {
    "cuda": "install onnxruntime-gpu in place of onnxruntime, with the CUDA 12 runtime and cuDNN 9",
    "coreml": "CoreML needs macOS and ONNX Runtime's macOS build",
}


@dataclass(frozen=True)
class DeviceChoice:
    device: str  # cuda | coreml | cpu: where the embedder is meant to run
    providers: tuple[str, ...]  # for onnxruntime.InferenceSession, in order of preference
    notice: str | None = None  # why the device asked for is not the one used


def available_providers() -> list[str]:
    """The execution providers this ONNX Runtime build has (CPU always among them)."""
    import onnxruntime as ort

    return list(ort.get_available_providers())


def choose_device(wanted: str, available: list[str]) -> DeviceChoice:
    """The device for `embedder.device = wanted`, given the providers ONNX Runtime has."""
    if wanted not in DEVICES:
        raise ModelError(f"embedder.device must be one of {', '.join(DEVICES)}, not {wanted!r}")
    if wanted == "auto":
        for device in ("cuda", "coreml"):
            if PROVIDERS[device] in available:
                return DeviceChoice(device, (PROVIDERS[device], CPU))
        return DeviceChoice("cpu", (CPU,))
    if wanted == "cpu":
        return DeviceChoice("cpu", (CPU,))
    if PROVIDERS[wanted] in available:
        return DeviceChoice(wanted, (PROVIDERS[wanted], CPU))
    has = ", ".join(p.removesuffix("ExecutionProvider") for p in available) or "none"
    return DeviceChoice(
        "cpu",
        (CPU,),
        f"embedder.device is {wanted}, but this ONNX Runtime has no {PROVIDERS[wanted]} (it has: {has}); "
        f"embedding on the CPU. To use it: {_HOW[wanted]}",
    )


def device_in_use(choice: DeviceChoice, session_providers: list[str]) -> DeviceChoice:
    """What the session really runs on: a GPU provider that failed to start (a missing CUDA
    library) leaves ONNX Runtime on the CPU, which is then said, not hidden."""
    if choice.device == "cpu" or (session_providers and session_providers[0] == PROVIDERS[choice.device]):
        return choice
    return DeviceChoice(
        "cpu",
        (CPU,),
        f"the {PROVIDERS[choice.device]} could not start (see the log); embedding on the CPU. "
        f"To use it: {_HOW[choice.device]}",
    )


@functools.cache
def int8_dot_product() -> bool:
    """Does this CPU multiply int8 vectors natively (x86 VNNI, any 64-bit ARM)? Where it does, the
    int8 embedder is both faster and as exact as measured; on AVX2 without VNNI, ONNX Runtime's u8×s8
    kernel sums pairs in 16 bits and can saturate, so there the default stays fp32."""
    machine = platform.machine().lower()
    if machine in ("arm64", "aarch64"):
        return True
    flags = ""
    try:
        if sys.platform.startswith("linux"):
            with open("/proc/cpuinfo", encoding="utf-8") as info:
                flags = next((line for line in info if line.startswith("flags")), "")
        elif sys.platform == "darwin":
            flags = subprocess.run(
                ["sysctl", "-n", "machdep.cpu.leaf7_features"], capture_output=True, text=True, timeout=5
            ).stdout.lower()
    except (OSError, subprocess.SubprocessError):
        return False
    return any(flag in flags.split() for flag in ("avx512_vnni", "avx_vnni", "avx512vnni"))
