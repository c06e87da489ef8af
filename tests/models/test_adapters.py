"""LoRA adapters built offline with llama.cpp's converter: one for the shipped SmolLM2 (it changes
the answer, per provider, without reloading the model) and one for a wider SmolLM2 (refused)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from lora_build import base_config, build_adapter, llama_cpp_source

from helpers import run_cli
from quire.config import Settings
from quire.errors import ModelError
from quire.models.adapters import check_adapter, parse_adapter

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def adapters(tmp_path_factory: pytest.TempPathFactory, smol: Path) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("lora")
    source = llama_cpp_source(work / "src")
    own = base_config(smol)
    # SmolLM2-360M's shape: the same architecture, another base model
    other = {**own, "hidden_size": 960, "intermediate_size": 2560, "num_hidden_layers": 32,
             "num_attention_heads": 15, "num_key_value_heads": 5}  # fmt: skip
    return {
        "own": build_adapter(source, work / "smol-lora.gguf", own),
        "other": build_adapter(source, work / "smol360-lora.gguf", other, seed=1),
    }


def test_the_check_accepts_the_adapter_for_its_base_and_refuses_another(
    adapters: dict[str, Path], smol: Path
) -> None:
    own = check_adapter(adapters["own"], smol)
    assert own.ok and own.architecture == "llama" and own.alpha == 8.0 and own.tensors == 120
    other = check_adapter(adapters["other"], smol)
    assert not other.ok
    assert "another base model" in other.detail and "576×576" in other.detail and "960×960" in other.detail
    not_adapter = check_adapter(smol, smol)
    assert not not_adapter.ok and "not an adapter" in not_adapter.detail
    assert parse_adapter(f"{adapters['own']}:0.5").scale == 0.5
    assert parse_adapter(str(adapters["own"])).scale == 1.0
    with pytest.raises(ModelError, match="no such adapter"):
        parse_adapter("/nowhere/lora.gguf:1")


def _answer(provider: Any) -> str:
    messages = [{"role": "user", "content": "What is the capital of France?"}]
    from quire.providers.base import SamplingOptions

    events = provider.stream(messages, max_tokens=12, sampling=SamplingOptions(temperature=0.0, seed=1))
    return "".join(e.text for e in events)


def test_an_adapter_changes_the_output_per_provider_without_a_reload(
    adapters: dict[str, Path], smol: Path, quire_home: Path
) -> None:
    from quire.models.adapters import AdapterChoice
    from quire.providers.local import LocalProvider

    settings = Settings.load(quire_home)
    plain = LocalProvider(settings, str(smol))
    adapted = LocalProvider(settings, str(smol))
    adapted.use_adapter(AdapterChoice(adapters["own"], 1.0))
    before = _answer(plain)
    changed = _answer(adapted)
    after = _answer(plain)  # the shared model, its adapter cleared again for a plain chat
    assert before and changed and before != changed
    assert after == before
    assert plain._llm is adapted._llm  # one loaded base model served both
    half = LocalProvider(settings, str(smol))
    half.use_adapter(AdapterChoice(adapters["own"], 0.0))
    assert _answer(half) == before  # scale 0: the adapter adds nothing
    with pytest.raises(ModelError, match="another base model"):
        plain.use_adapter(AdapterChoice(adapters["other"], 1.0))


def test_cli_ask_with_an_adapter_records_it(adapters: dict[str, Path], library: Any) -> None:
    env = {"QUIRE_HOME": str(library.settings.home), "QUIRE_PROVIDERS__MAX_TOKENS": "16"}
    question = "How much did repainting the lighthouse tower cost?"
    good = run_cli(
        "ask", question, "--provider", "local", "--adapter", f"{adapters['own']}:0.5", "--json", env=env
    )
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout)["provider"] == "local"
    with sqlite3.connect(library.settings.metrics_path) as db:
        row = db.execute(
            "SELECT adapter, model_sha256, quantisation, threads FROM answers ORDER BY id DESC"
        ).fetchone()
    assert row[0] == "smol-lora.gguf:0.5" and row[1] == "b179c9523d0e" and row[2] == "Q4_1" and row[3] >= 1
    bad = run_cli("ask", question, "--provider", "local", "--adapter", str(adapters["other"]), env=env)
    assert bad.returncode == 1 and "another base model" in bad.stderr and "Traceback" not in bad.stderr
    check = run_cli(
        "models", "check", str(adapters["other"]), "--base", str(library.settings.home / "x"), env=env
    )
    assert check.returncode == 1
    check = run_cli("models", "check", str(adapters["own"]), env=env)
    assert check.returncode == 0 and "tensor pairs fit SmolLM2-135M-Instruct.Q4_1.gguf" in check.stdout
