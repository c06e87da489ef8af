"""The check on add, on the real shipped GGUF and on broken copies of it made in the test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gguf_edit import rewrite, truncate

from helpers import run_cli
from quire.config import Settings
from quire.models.check import FAIL, OK, WARN, check_model
from quire.models.gguf import read_header


def _steps(card) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {step.name: step.status for step in card.steps}


def test_header_of_the_shipped_model(smol: Path) -> None:
    header = read_header(smol)
    assert header.architecture == "llama" and header.kind == "model"
    assert header.quantisation == "Q4_1" and header.context_length == 8192
    assert header.expected_size == header.file_size == smol.stat().st_size
    assert header.chat_template and "<|im_start|>" in header.chat_template
    assert 130e6 < header.parameters < 140e6


@pytest.mark.parametrize("size", [1_000_000, 60_000_000], ids=["in-header", "in-weights"])
def test_truncated_file_is_refused_before_loading(
    smol: Path, tmp_path: Path, quire_home: Path, size: int
) -> None:
    cut = truncate(smol, tmp_path / "cut.gguf", size)
    card = check_model(cut, Settings.load(quire_home), smoke=False, perplexity=False)
    assert not card.ok
    assert card.steps[-1].name == "header" and card.steps[-1].status == FAIL  # nothing loaded after it
    detail = card.steps[-1].detail
    assert "truncated" in detail
    if size == 60_000_000:  # the header reads fine; the tensor table says where the data must end
        assert f"{size:,} bytes" in detail and f"{smol.stat().st_size:,}" in detail
    assert card.problem and str(cut) in card.problem


def test_unknown_architecture_is_named_by_llama_cpp(smol: Path, tmp_path: Path, quire_home: Path) -> None:
    alien = rewrite(smol, tmp_path / "alien.gguf", {"general.architecture": "quirenet"})
    assert read_header(alien).architecture == "quirenet"
    card = check_model(alien, Settings.load(quire_home), smoke=False, perplexity=False)
    assert _steps(card) == {"header": OK, "architecture": FAIL}
    detail = card.steps[-1].detail
    assert "'quirenet'" in detail and "unknown model architecture" in detail


def test_missing_chat_template_says_what_is_used_instead(
    smol: Path, tmp_path: Path, quire_home: Path
) -> None:
    bare = rewrite(smol, tmp_path / "bare.gguf", drop=("tokenizer.chat_template",))
    assert read_header(bare).chat_template is None
    card = check_model(bare, Settings.load(quire_home), smoke=False, perplexity=True)
    steps = _steps(card)
    assert steps["chat template"] == WARN and steps["load"] == OK and card.ok
    assert card.chat_template == "missing: 'llama-2' format used instead"
    # the weights are the same bytes: the same perplexity as the original
    assert card.perplexity is not None and card.perplexity < 60


def test_broken_template_and_adapter_as_model_fail(smol: Path, tmp_path: Path, quire_home: Path) -> None:
    broken = rewrite(
        smol, tmp_path / "broken.gguf", {"tokenizer.chat_template": "{% for m in messages %}{{ m.content"}
    )
    card = check_model(broken, Settings.load(quire_home), smoke=False, perplexity=False)
    assert _steps(card)["chat template"] == FAIL and "does not render" in card.steps[2].detail
    adapter = rewrite(smol, tmp_path / "adapter.gguf", {"general.type": "adapter"})
    card = check_model(adapter, Settings.load(quire_home), smoke=False, perplexity=False)
    assert not card.ok and "LoRA adapter, not a model" in card.steps[0].detail


def test_a_model_that_would_swap_is_refused_with_a_sentence(smol: Path, quire_home: Path) -> None:
    card = check_model(smol, Settings.load(quire_home), smoke=False, perplexity=False, ram_free=200 * 2**20)
    assert _steps(card) == {"header": OK, "architecture": OK, "chat template": OK, "memory": FAIL}
    assert "would swap" in card.steps[-1].detail and "200 MB free" in card.steps[-1].detail


@pytest.mark.slow
def test_full_check_of_the_shipped_model(smol: Path, quire_home: Path) -> None:
    """All steps on the real model: it loads, its perplexity is sane and it answers the smoke
    questions through Quire (a 135M model may miss facts: that is a warning, not a failure)."""
    card = check_model(smol, Settings.load(quire_home))
    steps = _steps(card)
    assert card.ok, card.steps
    assert [s.name for s in card.steps] == [
        "header", "architecture", "chat template", "memory", "load", "perplexity", "smoke answer",
    ]  # fmt: skip
    assert steps["perplexity"] == OK and card.perplexity is not None and 2 < card.perplexity < 60
    assert len(card.smoke) == 3 and all(answer.answer.strip() for answer in card.smoke)
    assert steps["smoke answer"] in (OK, WARN)


def test_cli_check_json_and_exit_codes(smol: Path, tmp_path: Path, quire_home: Path) -> None:
    good = run_cli("models", "check", str(smol), "--quick", "--json")
    assert good.returncode == 0, good.stderr
    data = json.loads(good.stdout)
    assert data["ok"] is True and data["architecture"] == "llama" and data["quantisation"] == "Q4_1"
    cut = truncate(smol, tmp_path / "half.gguf", 50_000_000)
    bad = run_cli("models", "check", str(cut), "--quick")
    assert bad.returncode == 1 and "NOT usable" in bad.stdout and "truncated" in bad.stdout
    index = json.loads((quire_home / "models" / "index.json").read_text())
    assert index["files"][str(cut)]["checked"] is False
