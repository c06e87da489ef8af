"""The LAN provider against a real llama.cpp server and against loopback servers that fail on purpose."""

from __future__ import annotations

import json
import logging
import socket
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from servers import (
    end_chunks,
    free_port,
    http_server,
    openai_delta,
    openai_finish,
    send_chunk,
    send_json,
    silent_server,
    start_chunked,
    stream_tokens_then,
)

from quire.chat.answer import AnswerStream
from quire.chat.metrics import MetricsLog
from quire.errors import ProviderUnavailable
from quire.providers.lan import LanProvider

QUESTION = [{"role": "user", "content": "Say hello."}]


def lan(settings, url: str, **values: object) -> LanProvider:  # type: ignore[no-untyped-def]
    settings.set("providers.lan.url", url)
    for key, value in values.items():
        settings.set(f"providers.lan.{key}", value)
    return LanProvider(settings)


def answer(provider: LanProvider, log_path: Path | None = None) -> AnswerStream:
    log = MetricsLog(log_path) if log_path else None
    return AnswerStream("Say hello.", [], [provider], max_tokens=16, temperature=0.0, metrics_log=log)


# A real server ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_health_names_the_servers_model(settings, llama_server: str) -> None:
    health = lan(settings, llama_server).health()
    assert health.ok, health.error
    assert health.model.endswith("SmolLM2-135M-Instruct.Q4_1.gguf")
    assert health.latency_ms is not None and health.latency_ms > 0


@pytest.mark.slow
def test_streams_an_answer_and_records_its_figures(settings, llama_server: str, tmp_path: Path) -> None:
    provider = lan(settings, llama_server)
    stream = answer(provider, tmp_path / "metrics.sqlite3")
    pieces = list(stream)
    result = stream.result()
    assert len(pieces) > 1 and result.answer
    assert result.provider == "lan" and result.model.endswith(".gguf")
    assert result.error is None and result.fallback_from is None
    m = result.metrics
    assert m.ttft_s is not None and m.ttft_s > 0 and m.total_s >= m.ttft_s
    assert 0 < m.output_tokens <= 16 and m.prompt_tokens > 0
    assert m.tokens_per_s and m.tokens_per_s > 0
    # the server counts tokens for us (llama-cpp-python's /extras/tokenize/count)
    assert provider.count_tokens("hello world") < 6 and provider._tokenizer == "/extras/tokenize/count"
    [row] = MetricsLog(tmp_path / "metrics.sqlite3").recent()
    assert row["provider"] == "lan" and row["output_tokens"] == m.output_tokens and row["error"] is None


# The server's own usage counts -------------------------------------------------------------------


def test_server_usage_counts_win_and_the_api_key_is_sent_only_when_set(settings, no_keyring_secrets) -> None:
    def post(request: BaseHTTPRequestHandler, body: bytes) -> None:
        sent = json.loads(body)
        assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True}
        assert sent["model"] == "fake-model"
        start_chunked(request)
        for token in ["Hel", "lo", "!"]:
            send_chunk(request, openai_delta(token))
        send_chunk(request, openai_finish({"prompt_tokens": 42, "completion_tokens": 3, "total_tokens": 45}))
        end_chunks(request)

    with http_server(post) as (url, seen):
        result = answer(lan(settings, url + "/v1", tokenize=False)).result()
        assert result.answer == "Hello!" and result.model == "fake-model"
        assert (result.metrics.prompt_tokens, result.metrics.output_tokens) == (42, 3)
        assert all("authorization" not in headers for _, _, headers, _ in seen.requests)

        no_keyring_secrets["lan.api_key"] = "sk-test"
        answer(lan(settings, url + "/v1", tokenize=False)).result()
        assert seen.requests[-1][2]["authorization"] == "Bearer sk-test"


# Faults, on real sockets -------------------------------------------------------------------------


def test_connection_refused(settings) -> None:
    with pytest.raises(ProviderUnavailable, match="connection refused by http://127.0.0.1:"):
        answer(lan(settings, f"http://127.0.0.1:{free_port()}/v1")).result()
    health = lan(settings, f"http://127.0.0.1:{free_port()}/v1").health()
    assert not health.ok and "connection refused" in (health.error or "")


def test_unresolvable_host_name(settings) -> None:
    try:
        socket.getaddrinfo("nonexistent.invalid", 80)
        pytest.skip("this machine's resolver answers for .invalid names")
    except socket.gaierror:
        pass
    health = lan(settings, "http://nonexistent.invalid:8000/v1").health()
    assert not health.ok
    assert health.error == "cannot resolve host name 'nonexistent.invalid' (DNS lookup failed)"


def test_read_timeout_is_not_a_connect_timeout(settings) -> None:
    with silent_server() as url:
        provider = lan(
            settings, url + "/v1", read_timeout_s=0.5, health_timeout_s=0.5, model="m", tokenize=False
        )
        started = time.monotonic()
        with pytest.raises(ProviderUnavailable, match=r"accepted the connection but sent nothing for 0.5 s"):
            answer(provider).result()
        assert time.monotonic() - started < 5
        health = provider.health()
        assert not health.ok and "read timeout" in (health.error or "")


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (
            401,
            {"error": {"message": "Invalid API Key", "type": "auth"}},
            r"HTTP 401: the server wants an API key",
        ),
        (404, {"error": {"message": "model 'x' not found"}}, r"HTTP 404 from .*/chat/completions: not found"),
        (429, {"error": "too many requests, slow down"}, r"HTTP 429: the server is busy"),
        (500, {"detail": "CUDA out of memory"}, r"HTTP 500: the server failed"),
    ],
)
def test_http_errors_carry_the_servers_own_message(settings, status: int, body: dict, expected: str) -> None:
    def post(request: BaseHTTPRequestHandler, _: bytes) -> None:
        send_json(request, status, body)

    said = json.dumps(body).split('"')[-2] if status != 401 else "Invalid API Key"
    with http_server(post) as (url, _), pytest.raises(ProviderUnavailable, match=expected) as caught:
        answer(lan(settings, url + "/v1", tokenize=False)).result()
    assert caught.value.reason.endswith(f"server said: {said}")


@pytest.mark.parametrize("prompts_logged", [False, True])
def test_malformed_stream_lines_are_skipped_and_logged(
    settings, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, prompts_logged: bool
) -> None:
    monkeypatch.setattr("quire.logfile._prompts_allowed", prompts_logged)  # logging.prompts

    def post(request: BaseHTTPRequestHandler, _: bytes) -> None:
        start_chunked(request)
        send_chunk(request, openai_delta("One"))
        send_chunk(request, "this is not sse\n\n")
        send_chunk(request, "data: {not json\n\n")
        send_chunk(request, ": keep-alive comment\n\n")
        send_chunk(request, openai_delta(" two"))
        send_chunk(request, openai_finish())
        end_chunks(request)

    with caplog.at_level(logging.WARNING, logger="quire.providers.lan"), http_server(post) as (url, _):
        result = answer(lan(settings, url + "/v1", tokenize=False)).result()
    assert result.answer == "One two" and result.error is None
    skipped = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert len(skipped) == 2
    if prompts_logged:
        assert "this is not sse" in skipped[0] and "{not json" in skipped[1]
    else:  # a stream line may carry answer text: only its size is logged
        assert "this is not sse" not in skipped[0] and "{not json" not in skipped[1]
        assert "15 characters" in skipped[0] and "hidden" in skipped[1]


def test_server_closing_mid_stream_keeps_the_partial_answer(settings, tmp_path: Path) -> None:
    def post(request: BaseHTTPRequestHandler, _: bytes) -> None:
        stream_tokens_then(request, ["The", " answer", " is"], then="close")

    with http_server(post) as (url, _):
        result = answer(lan(settings, url + "/v1", tokenize=False), tmp_path / "m.sqlite3").result()
    assert result.answer == "The answer is"
    assert result.partial
    assert result.error and "closed the connection mid-answer" in result.error
    assert result.error.endswith("(answer incomplete)")
    [row] = MetricsLog(tmp_path / "m.sqlite3").recent()
    assert row["error"] == result.error and row["output_tokens"] == 3


def test_a_stream_that_ends_without_finishing_is_incomplete(settings) -> None:
    def post(request: BaseHTTPRequestHandler, _: bytes) -> None:
        start_chunked(request)
        send_chunk(request, openai_delta("Half"))
        end_chunks(request)  # a clean end of body, but no finish_reason and no [DONE]

    with http_server(post) as (url, _):
        result = answer(lan(settings, url + "/v1", tokenize=False)).result()
    assert result.answer == "Half" and result.partial
    assert "closed the stream before the answer was finished" in (result.error or "")


def test_nothing_is_contacted_until_a_url_is_configured(settings) -> None:
    with pytest.raises(ProviderUnavailable, match=r"not configured \(set providers.lan.url\)"):
        LanProvider(settings)
