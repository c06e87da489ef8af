"""`auto`: the configured order, unconfigured providers skipped, cached health, fallback recorded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from servers import free_port

from quire.chat.answer import AnswerStream
from quire.chat.metrics import Metrics, MetricsLog
from quire.errors import ProviderUnavailable
from quire.providers.base import Message, ProviderHealth, TokenEvent
from quire.providers.router import HealthCache, HealthChecked, health_report, provider_chain

QUIRE = Path(sys.executable).parent / "quire"


class Scripted:
    """A provider that answers from a list, or fails as told, and counts its health checks."""

    def __init__(self, name: str, words: list[str], ok: bool = True, fail: str | None = None) -> None:
        self.name = name
        self.words = words
        self.ok = ok
        self.fail = fail
        self.checks = 0

    model = "scripted"
    context_tokens = 4096

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def health(self) -> ProviderHealth:
        self.checks += 1
        return ProviderHealth(self.ok, self.model, None if self.ok else "down for the test")

    def stream(self, messages: list[Message], *, max_tokens: int, sampling: Any) -> Iterator[TokenEvent]:
        if self.fail:
            raise ProviderUnavailable(self.name, self.fail)
        for word in self.words:
            yield TokenEvent(word)


def run(providers: list, log: MetricsLog | None = None) -> AnswerStream:  # type: ignore[type-arg]
    return AnswerStream("q", [], providers, max_tokens=8, temperature=0, metrics_log=log)


def test_unconfigured_providers_are_skipped(settings) -> None:
    assert [p.name for p in provider_chain("auto", settings)] == ["local"]
    settings.set("providers.lan.url", "http://127.0.0.1:9/v1")
    assert [p.name for p in provider_chain("auto", settings)] == ["lan", "local"]
    settings.set("providers.order", "lan,oci")
    settings.set("providers.lan.url", "")
    with pytest.raises(ProviderUnavailable, match="no provider in providers.order can be used"):
        provider_chain("auto", settings)


def test_an_explicit_choice_that_is_not_configured_says_so(settings) -> None:
    with pytest.raises(ProviderUnavailable, match=r"lan: not configured \(set providers.lan.url\)"):
        provider_chain("lan", settings)


def test_health_is_cached_for_a_few_seconds() -> None:
    cache = HealthCache()
    down = Scripted("lan", ["x"], ok=False)
    for _ in range(3):
        assert not cache.check(down, 60.0).ok
    assert down.checks == 1
    cache.check(down, 0.0)
    assert down.checks == 2


def test_an_unhealthy_provider_falls_back_before_the_first_token(tmp_path: Path) -> None:
    from quire.providers.router import HEALTH

    HEALTH.clear()
    lan = HealthChecked(Scripted("lan", ["never"], ok=False), 5.0, "a")
    local = Scripted("local", ["Hello", " there"])
    log = MetricsLog(tmp_path / "m.sqlite3")
    result = run([lan, local], log).result()
    assert result.answer == "Hello there" and result.provider == "local"
    assert result.fallback_from == "lan" and result.fallback_reason == "down for the test"
    assert log.recent()[0]["fallback_from"] == "lan"


def test_a_failure_after_the_health_check_still_falls_back() -> None:
    lan = Scripted("lan", [], fail="connection refused by http://gpu-box:8000/v1")
    result = run([lan, Scripted("local", ["ok"])]).result()
    assert result.provider == "local" and result.fallback_from == "lan"
    assert result.fallback_reason == "connection refused by http://gpu-box:8000/v1"


def test_an_answer_nobody_could_give_is_recorded(tmp_path: Path) -> None:
    log = MetricsLog(tmp_path / "m.sqlite3")
    with pytest.raises(ProviderUnavailable, match="auto: lan: refused; local: no model"):
        run([Scripted("lan", [], fail="refused"), Scripted("local", [], fail="no model")], log).result()
    [row] = log.recent()
    assert row["provider"] == "local" and row["fallback_from"] == "lan"
    assert row["error"] == "auto: lan: refused; local: no model"


def test_health_report_explains_each_provider(settings) -> None:
    settings.set("providers.lan.url", f"http://127.0.0.1:{free_port()}/v1")
    report = health_report(settings)
    assert report["local"].ok
    assert not report["lan"].ok and "connection refused" in (report["lan"].error or "")
    assert report["oci"].error == "not configured (set providers.oci.compartment and providers.oci.model)"


# The command line --------------------------------------------------------------------------------


def quire(*args: str, home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(QUIRE), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "QUIRE_HOME": str(home), "QUIRE_PROVIDERS__MAX_TOKENS": "48", **env},
    )


def test_metrics_json_gives_medians_and_p95_per_provider_and_model(quire_home: Path) -> None:
    log = MetricsLog(quire_home / "metrics.sqlite3")
    for n in range(1, 21):
        log.record("lan", "big", Metrics(n / 10, n / 5, 100, 50, float(n)))
    log.record("local", "small", Metrics(0.5, 2.0, 100, 40, 20.0), fallback_from="lan")
    log.record("local", "small", Metrics(None, 0.0, 0, 0, None), error="local: no model")
    out = quire("metrics", "--json", home=quire_home)
    assert out.returncode == 0, out.stderr
    rows = {(r["provider"], r["model"]): r for r in json.loads(out.stdout)["providers"]}
    lan = rows[("lan", "big")]
    assert lan["answers"] == 20 and lan["ttft_s_median"] == 1.05 and lan["ttft_s_p95"] == 2.0
    assert lan["tokens_per_s_median"] == 10.5 and lan["tokens_per_s_p95"] == 20.0
    local = rows[("local", "small")]
    assert local["answers"] == 2 and local["fallbacks"] == 1 and local["errors"] == 1
    assert local["ttft_s_median"] == 0.5


@pytest.mark.slow
def test_auto_with_a_dead_lan_server_answers_locally(library, quire_home: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}/v1"
    env = {"QUIRE_PROVIDERS__LAN__URL": dead}
    out = quire(
        "ask",
        "How many puffins did volunteers count?",
        "--provider",
        "auto",
        "--json",
        home=quire_home,
        **env,
    )
    assert out.returncode == 0, out.stderr
    answer = json.loads(out.stdout)
    assert answer["provider"] == "local" and answer["answer"]
    assert answer["fallback_from"] == "lan"
    assert answer["fallback_reason"].startswith(f"connection refused by {dead}")
    status = quire("status", "--json", home=quire_home, **env)
    providers = json.loads(status.stdout)["providers"]
    assert providers["local"]["ok"] and not providers["lan"]["ok"]
    assert "connection refused" in providers["lan"]["error"]
    metrics = json.loads(quire("metrics", "--json", home=quire_home).stdout)["providers"]
    assert [(r["provider"], r["fallbacks"]) for r in metrics] == [("local", 1)]


@pytest.mark.slow
def test_status_and_ask_with_a_live_lan_server(library, quire_home: Path, llama_server: str) -> None:
    env = {"QUIRE_PROVIDERS__LAN__URL": llama_server}
    status = json.loads(quire("status", "--json", home=quire_home, **env).stdout)
    lan = status["providers"]["lan"]
    assert lan["ok"] and lan["model"].endswith(".gguf") and lan["latency_ms"] > 0
    out = quire("ask", "What is the refund policy?", "--provider", "lan", "--json", home=quire_home, **env)
    assert out.returncode == 0, out.stderr
    answer = json.loads(out.stdout)
    assert answer["provider"] == "lan" and answer["metrics"]["output_tokens"] > 0
    assert answer["metrics"]["ttft_s"] > 0 and answer["fallback_from"] is None
