"""Build real GGUF LoRA adapters offline: a tiny PEFT adapter written with safetensors, converted by
llama.cpp's own convert_lora_to_gguf.py from the source llama-cpp-python vendors (its sdist, found
or fetched as scripts/build_llama_bench.sh does). The base config.json is written from the GGUF's
metadata, so nothing comes from a model hub."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from importlib.metadata import version
from pathlib import Path

from quire.models.gguf import read_header

ROOT = Path(__file__).resolve().parents[2]
# What the converter needs from the sdist (not the C++ tree).
MEMBERS = (
    "vendor/llama.cpp/convert_lora_to_gguf.py",
    "vendor/llama.cpp/conversion/",
    "vendor/llama.cpp/gguf-py/",
)


def llama_cpp_source(work: Path) -> Path:
    """vendor/llama.cpp of the installed llama-cpp-python's sdist, unpacked (converter files only)."""
    release = version("llama_cpp_python")
    src = ROOT / "build" / "llama-bench" / "src"
    sdist = src / f"llama_cpp_python-{release}.tar.gz"
    if not sdist.is_file():
        src.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
             f"llama-cpp-python=={release}", "-d", str(src)],
            check=True, timeout=600,
        )  # fmt: skip
    prefix = f"llama_cpp_python-{release}/"
    with tarfile.open(sdist) as archive:
        wanted = [m for m in archive.getmembers() if m.name.removeprefix(prefix).startswith(MEMBERS)]
        try:
            archive.extractall(work, members=wanted, filter="data")
        except TypeError:  # a Python 3.11 from before extraction filters (3.11.4)
            archive.extractall(work, members=wanted)  # llama-cpp-python's own sdist
    return work / prefix / "vendor" / "llama.cpp"


def base_config(model: Path) -> dict[str, object]:
    """A Hugging Face config.json for a llama-architecture GGUF, from its own metadata."""
    header = read_header(model)
    assert header.architecture == "llama", header.architecture
    tokens = header.get("tokenizer.ggml.tokens")
    return {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "hidden_size": header.arch("embedding_length"),
        "intermediate_size": header.arch("feed_forward_length"),
        "num_hidden_layers": header.arch("block_count"),
        "num_attention_heads": header.arch("attention.head_count"),
        "num_key_value_heads": header.arch("attention.head_count_kv"),
        "vocab_size": header.arch("vocab_size") or len(tokens),
        "max_position_embeddings": header.context_length,
        "rms_norm_eps": header.arch("attention.layer_norm_rms_epsilon"),
        "rope_theta": header.arch("rope.freq_base"),
        "tie_word_embeddings": not any(t.name == "output.weight" for t in header.tensors),
        "torch_dtype": "float32",
    }


def build_adapter(
    source: Path, out: Path, config: dict[str, object], rank: int = 4, weight: float = 0.3, seed: int = 0
) -> Path:
    """A PEFT LoRA on q_proj and v_proj of every layer, random but seeded, converted to GGUF."""
    import torch
    from safetensors.torch import save_file

    work = out.with_suffix("")
    (work / "base").mkdir(parents=True, exist_ok=True)
    (work / "adapter").mkdir(exist_ok=True)
    (work / "base" / "config.json").write_text(json.dumps(config), encoding="utf-8")
    peft = {"peft_type": "LORA", "r": rank, "lora_alpha": 2 * rank, "target_modules": ["q_proj", "v_proj"],
            "task_type": "CAUSAL_LM", "bias": "none", "fan_in_fan_out": False}  # fmt: skip
    (work / "adapter" / "adapter_config.json").write_text(json.dumps(peft), encoding="utf-8")
    hidden = int(config["hidden_size"])  # type: ignore[call-overload]
    kv_out = hidden // int(config["num_attention_heads"]) * int(config["num_key_value_heads"])  # type: ignore[call-overload]
    generator = torch.Generator().manual_seed(seed)
    tensors = {}
    for layer in range(int(config["num_hidden_layers"])):  # type: ignore[call-overload]
        for proj, size in (("q_proj", hidden), ("v_proj", kv_out)):
            name = f"base_model.model.model.layers.{layer}.self_attn.{proj}"
            tensors[f"{name}.lora_A.weight"] = torch.randn(rank, hidden, generator=generator) * weight
            tensors[f"{name}.lora_B.weight"] = torch.randn(size, rank, generator=generator) * weight
    save_file(tensors, str(work / "adapter" / "adapter_model.safetensors"))
    result = subprocess.run(
        [sys.executable, str(source / "convert_lora_to_gguf.py"), "--base", str(work / "base"),
         "--outfile", str(out), "--outtype", "f16", str(work / "adapter")],
        capture_output=True, text=True, timeout=300, env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(f"convert_lora_to_gguf.py failed:\n{result.stderr[-3000:]}")
    return out
