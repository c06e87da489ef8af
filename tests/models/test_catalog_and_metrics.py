"""The catalog (bundled, refreshed from a URL, fit badges for given memory, speed scaled from the
shipped model's) and the honest-comparison figures: model facts, ratings and preferences."""

from __future__ import annotations

import json
import sqlite3
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from helpers import run_cli
from quire.chat.metrics import Metrics, MetricsLog
from quire.config import Settings
from quire.errors import ModelError
from quire.models.catalog import (
    FITS,
    TIGHT,
    TOO_BIG,
    Machine,
    assess,
    bundled_catalog,
    load_catalog,
    refresh_catalog,
)

GB = 2**30


def test_bundled_catalog_has_the_recommended_families() -> None:
    catalog = bundled_catalog()
    families = {e.family for e in catalog.entries}
    assert {"Granite 4.0", "Qwen2.5", "Qwen3", "Llama 3.2", "Phi-4", "Gemma 3", "SmolLM2"} <= families
    wanted = {"granite-4.0-h-micro", "granite-4.0-h-tiny", "llama-3.2-1b", "llama-3.2-3b", "phi-4-mini",
              "gemma-3-1b", "gemma-3-4b", "qwen2.5-0.5b", "qwen2.5-7b"}  # fmt: skip
    assert wanted <= {e.id for e in catalog.entries}
    for entry in catalog.entries:
        assert entry.file.endswith(".gguf") and "/" in entry.repo and entry.licence and entry.context >= 8192


@pytest.mark.parametrize(
    ("ram", "gpu", "badge"),
    [(8 * GB, None, FITS), (5.5 * GB, None, TIGHT), (4 * GB, None, TOO_BIG), (4 * GB, 24 * GB, FITS)],
    ids=["8GB", "5.5GB-tight", "4GB-too-big", "4GB+24GB-GPU"],
)
def test_fit_badges_for_given_memory(ram: float, gpu: float | None, badge: str) -> None:
    entry = bundled_catalog().find("qwen2.5-7b")
    assert entry is not None
    # 4.68e9 bytes of weights + 28 layers × 4 KV heads × 128 × 2 (K, V) × 2 bytes × 4096 tokens + buffers
    assert 4.8 * GB < entry.memory_needed(4096) < 4.9 * GB
    assessed = assess(entry, Machine(ram_free=int(ram), gpu_free=int(gpu) if gpu else None), 4096)
    assert assessed.badge == badge
    assert "at 4096 tokens" in assessed.why


def test_longer_context_costs_kv_memory_and_hybrids_little() -> None:
    catalog = bundled_catalog()
    llama, granite = catalog.find("llama-3.2-3b"), catalog.find("granite-4.0-h-micro")
    assert llama and granite
    growth = llama.memory_needed(32768) - llama.memory_needed(4096)
    assert growth == 28 * 8 * 128 * 4 * (32768 - 4096)
    assert granite.memory_needed(32768) - granite.memory_needed(4096) < growth / 5  # 4 attention layers


def test_speed_is_scaled_from_the_shipped_model() -> None:
    catalog = bundled_catalog()
    machine = Machine(ram_free=16 * GB, reference_tok_s=100.0, reference_size=98_362_432)
    small, big = catalog.find("smollm2-135m"), catalog.find("qwen2.5-7b")
    assert small and big
    assert assess(small, machine, 4096).speed_tok_s == 100.0
    assert assess(big, machine, 4096).speed_tok_s == pytest.approx(100 * 98_362_432 / 4_680_000_000, abs=0.1)
    moe = catalog.find("granite-4.0-h-tiny")
    assert moe and assess(moe, machine, 4096).speed_tok_s > assess(big, machine, 4096).speed_tok_s  # type: ignore[operator]
    assert assess(big, Machine(ram_free=16 * GB), 4096).speed_tok_s is None  # nothing measured yet


def test_catalog_refreshed_from_the_users_url(quire_home: Path) -> None:
    from servers import http_server, send_json  # tests/providers' loopback server

    newer = json.loads(resources.files("quire.models").joinpath("catalog.json").read_text(encoding="utf-8"))
    newer["version"] = 99
    newer["models"] = newer["models"][:2]
    settings = Settings.load(quire_home)
    with pytest.raises(ModelError, match="no catalog URL is set"):
        refresh_catalog(settings)
    with http_server(lambda r, b: None, get=lambda request, body: send_json(request, 200, newer)) as (
        url,
        seen,
    ):
        settings.set("models.catalog_url", f"{url}/catalog.json")
        refreshed = refresh_catalog(settings)
    assert refreshed.version == 99 and len(refreshed.entries) == 2 and seen.requests[0][1] == "/catalog.json"
    assert load_catalog(settings).version == 99  # kept for the next start, offline
    with (
        http_server(
            lambda r, b: None, get=lambda request, body: send_json(request, 200, {"models": "x"})
        ) as (url, _),
        pytest.raises(ModelError, match="not a model catalog"),
    ):
        refresh_catalog(settings, f"{url}/broken.json")
    assert load_catalog(settings).version == 99  # a bad list never replaces a good one


def test_catalog_cli_json(quire_home: Path) -> None:
    result = run_cli("models", "catalog", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    rows = {row["id"]: row for row in data["models"]}
    assert rows["smollm2-135m"]["installed"] and rows["smollm2-135m"]["badge"] in (FITS, TIGHT)
    assert all(row["memory_needed"] > row["size_bytes"] for row in rows.values())


def _metrics(seconds: float = 1.0) -> Metrics:
    return Metrics(ttft_s=0.1, total_s=seconds, prompt_tokens=10, output_tokens=20, tokens_per_s=30.0)


def test_ratings_and_preferences_are_kept_beside_the_figures(tmp_path: Path) -> None:
    log = MetricsLog(tmp_path / "metrics.sqlite3")
    facts = {"model_sha256": "b179c9523d0e", "quantisation": "Q4_1", "adapter": None, "context": 4096,
             "threads": 2, "gpu_layers": 0, "rss_mb": 512.5}  # fmt: skip
    first = log.record("local", "smol.gguf", _metrics(), facts=facts)
    second = log.record("local", "smol.gguf", _metrics(), facts={**facts, "rss_mb": 600.0})
    third = log.record("lan", "big", _metrics())
    log.rate(first, True)
    log.rate(second, False)
    log.rate(third, True)
    log.prefer(third, [first])
    reopened = MetricsLog(tmp_path / "metrics.sqlite3")
    assert reopened.rating(first) is True and reopened.rating(second) is False
    rows = {(r["provider"], r["model"]): r for r in reopened.summary()}
    local = rows[("local", "smol.gguf")]
    assert local["rated"] == 2 and local["rated_good_share"] == 0.5 and local["peak_rss_mb"] == 600.0
    assert rows[("lan", "big")]["preferred"] == 1 and local["preferred"] == 0
    log.prefer(first, [third])  # the user changed their mind: one preference between the two
    rows = {(r["provider"], r["model"]): r for r in reopened.summary()}
    assert rows[("local", "smol.gguf")]["preferred"] == 1 and rows[("lan", "big")]["preferred"] == 0
    log.rate(first, None)
    assert reopened.rating(first) is None


def test_an_old_metrics_file_gains_the_new_columns(tmp_path: Path) -> None:
    path = tmp_path / "metrics.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE answers (id INTEGER PRIMARY KEY, at REAL NOT NULL, provider TEXT NOT NULL,"
            " model TEXT NOT NULL, ttft_s REAL, total_s REAL, tokens_per_s REAL, prompt_tokens INTEGER,"
            " output_tokens INTEGER, fallback_from TEXT, error TEXT)"
        )
        db.execute("INSERT INTO answers (at, provider, model, total_s) VALUES (1, 'local', 'old.gguf', 2.0)")
    log = MetricsLog(path)
    (row,) = log.recent()
    assert row["model"] == "old.gguf" and "model_sha256" in row and row["rating"] is None
    log.rate(int(row["id"]), True)  # type: ignore[call-overload]
    assert log.summary()[0]["rated_good_share"] == 1.0


@pytest.mark.slow
def test_a_real_answer_records_its_model_facts_and_can_be_rated(library: Any) -> None:
    stream = library.ask("How many puffins did volunteers count?", provider="local")
    answer = stream.result()
    answer_id = library.answer_id(stream)
    assert answer.answer and answer_id
    (row,) = [r for r in library.metrics.recent() if r["id"] == answer_id]
    assert row["model_sha256"] == "b179c9523d0e" and row["quantisation"] == "Q4_1"
    assert row["context"] == 4096 and row["threads"] >= 1 and row["gpu_layers"] == 0
    assert row["adapter"] is None and row["rss_mb"] > 50
    library.rate(answer_id, True)
    (summary,) = [s for s in library.metrics.summary() if s["provider"] == "local"]
    assert summary["rated_good_share"] == 1.0 and summary["peak_rss_mb"] >= row["rss_mb"]
