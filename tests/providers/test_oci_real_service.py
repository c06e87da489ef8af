"""What a real tenancy would show the OCI provider, through the real SDK against the loopback
service (signatures verified): a region-only profile reached through an HTTPS proxy, an SDK too
old for the request, every finishReason, TTFT from the request, Cohere's documents and citations,
session-token 401s, OCI_REGION, the on-demand max_tokens cap and dedicated endpoints."""

from __future__ import annotations

import inspect
import socket
import tomllib
from pathlib import Path

import pytest
from oci_server import COMPARTMENT, KeyPair, Script, make_key, oci_service, write_config
from packaging.requirements import Requirement
from packaging.version import Version
from proxy_server import intercepting_proxy

from quire.chat.answer import AnswerStream
from quire.chat.prompt import build_messages
from quire.errors import ProviderUnavailable
from quire.providers.base import SamplingOptions, TokenEvent
from quire.providers.oci_genai import OciProvider
from quire.search.retrieve import Hit

ROOT = Path(__file__).resolve().parents[2]
CHICAGO = "inference.generativeai.us-chicago-1.oci.oraclecloud.com"
COHERE = "cohere.command-r-08-2024"
META = "meta.llama-3.3-70b-instruct"
ENDPOINT_OCID = "ocid1.generativeaiendpoint.oc1.us-chicago-1.amaaaaaatestendpoint"


@pytest.fixture(scope="module")
def key(tmp_path_factory: pytest.TempPathFactory) -> KeyPair:
    return make_key(tmp_path_factory.mktemp("oci-keys"), "api")


def oci(settings, config: Path, model: str = COHERE, endpoint: str = "") -> OciProvider:  # type: ignore[no-untyped-def]
    settings.set("providers.oci.config_file", str(config))
    settings.set("providers.oci.endpoint", endpoint)
    settings.set("providers.oci.compartment", COMPARTMENT)
    settings.set("providers.oci.model", model)
    return OciProvider(settings)


def ask(provider: OciProvider, hits: list[Hit] | None = None, max_tokens: int = 64) -> AnswerStream:
    return AnswerStream(
        "What is the capital of France?", hits or [], [provider], max_tokens=max_tokens, temperature=0.1
    )


@pytest.fixture
def through_proxy(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Point the process's standard proxy and CA variables at a proxy, as a company laptop has them."""

    def use(proxy_url: str, ca_pem: Path | None = None) -> None:
        for name in ("https_proxy", "HTTPS_PROXY", "no_proxy", "NO_PROXY", "all_proxy", "ALL_PROXY"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTPS_PROXY", proxy_url)
        if ca_pem is not None:
            monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca_pem))

    return use


# 1 and 4: the endpoint from a region alone, reached the way the SDK reaches it ----------------


def test_a_region_only_profile_is_healthy_and_answers_through_the_proxy(
    settings, key, tmp_path: Path, through_proxy
) -> None:
    config = write_config(tmp_path / "config", key, region="us-chicago-1")  # no providers.oci.endpoint
    script = Script()
    with oci_service(key, script) as backend, intercepting_proxy(backend, tmp_path / "proxy") as proxy:
        through_proxy(proxy.url, proxy.ca_pem)
        provider = oci(settings, config)
        assert provider.endpoint == f"https://{CHICAGO}"  # not the SDK's "{dualStack?ds.:}" template
        health = provider.health()
        assert health.ok, health.error
        assert health.checked and "checked by the first question" in health.checked  # reachability only
        result = ask(provider).result()
    assert result.answer == "Paris is the capital." and result.error is None
    assert proxy.connects and set(proxy.connects) == {f"{CHICAGO}:443"}  # HTTPS_PROXY honoured
    assert script.attempts == 1  # the health check signs and sends nothing to the chat action


def test_a_proxy_that_is_down_makes_oci_unhealthy(settings, key, tmp_path: Path, through_proxy) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    through_proxy(f"http://127.0.0.1:{port}")
    health = oci(settings, write_config(tmp_path / "config", key, region="us-chicago-1")).health()
    assert not health.ok and health.error and "proxy" in health.error.lower()


# 2: an SDK older than the request -------------------------------------------------------------


def test_the_sdk_floor_covers_the_request() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    [oci_requirement] = [Requirement(d) for d in project["dependencies"] if d.startswith("oci")]
    [spec] = [s for s in oci_requirement.specifier if s.operator == ">="]
    assert Version(spec.version) >= Version("2.158.2")  # GenericChatRequest(stream_options=)
    from oci.generative_ai_inference import models

    assert "stream_options" in models.GenericChatRequest().swagger_types
    assert "documents" in models.CohereChatRequest().swagger_types


def test_an_sdk_without_stream_options_is_a_provider_error_not_a_crash(
    settings, key, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from oci.decorators import init_model_state_from_kwargs
    from oci.generative_ai_inference import models

    @init_model_state_from_kwargs
    class GenericChatRequest2155(models.GenericChatRequest):
        """GenericChatRequest as oci 2.155 shipped it: no stream_options (the SDK's own check)."""

        def __init__(self, **kwargs: object) -> None:
            super().__init__()
            del self.swagger_types["stream_options"]

    monkeypatch.setattr(models, "GenericChatRequest", GenericChatRequest2155)
    config = write_config(tmp_path / "config", key)
    with oci_service(key, Script()) as endpoint, pytest.raises(ProviderUnavailable) as caught:
        ask(oci(settings, config, META, endpoint)).result()
    assert "cannot build this request (Unrecognized keyword arguments: stream_options)" in caught.value.reason
    assert "oci>=2.158.2" in caught.value.reason


# 3: why the answer ended ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "finish", "stop_reason", "error"),
    [
        (COHERE, "MAX_TOKENS", "length", None),
        (META, "length", "length", None),
        (
            COHERE,
            "ERROR_TOXIC",
            "error",
            "content moderation stopped the answer (ERROR_TOXIC) (answer incomplete)",
        ),
        (COHERE, "ERROR_LIMIT", "error", "(ERROR_LIMIT) (answer incomplete)"),
        (COHERE, "ERROR", "error", "the model failed while answering (ERROR) (answer incomplete)"),
        (
            META,
            "content_filter",
            "error",
            "content filter stopped the answer (content_filter) (answer incomplete)",
        ),
        (COHERE, "COMPLETE", None, None),
        (META, "stop", None, None),
    ],
)
def test_every_finish_reason_is_told_apart(
    settings, key, tmp_path: Path, model: str, finish: str, stop_reason: str | None, error: str | None
) -> None:
    config = write_config(tmp_path / "config", key)
    with oci_service(key, Script(finish=finish)) as endpoint:
        result = ask(oci(settings, config, model, endpoint)).result()
    assert result.answer.startswith("Paris is the capital.")  # what was written is kept either way
    assert result.stop_reason == stop_reason
    if stop_reason == "length":
        assert result.notice and "cut at max_tokens" in result.notice and result.error is None
    elif error is None:
        assert result.error is None and not result.partial and result.notice is None
    else:
        assert result.partial and result.error and result.error.endswith(error), result.error


def test_the_last_event_says_why_it_ended(settings, key, tmp_path: Path) -> None:
    config = write_config(tmp_path / "config", key)
    with oci_service(key, Script(finish="MAX_TOKENS")) as endpoint:
        events = list(
            oci(settings, config, COHERE, endpoint).stream(
                [{"role": "user", "content": "Hi"}], max_tokens=8, sampling=SamplingOptions(temperature=0)
            )
        )
    assert events[0] == TokenEvent(request_sent=True)
    assert events[-1].finish_reason == "length" and not events[-1].text
    assert [e.finish_reason for e in events[:-1]] == [None] * (len(events) - 1)


# 5: TTFT from the request; one client per configuration ------------------------------------------


def test_ttft_is_timed_from_the_request_that_answered(settings, key, tmp_path: Path) -> None:
    config = write_config(tmp_path / "config", key)
    script = Script(fail_first=[429], retry_after="0.8")  # one throttled try, then 0.8 s of backoff
    with oci_service(key, script) as endpoint:
        result = ask(oci(settings, config, COHERE, endpoint)).result()
    assert script.attempts == 2 and result.answer
    assert result.metrics.ttft_s is not None and result.metrics.ttft_s < 0.6, result.metrics
    assert result.metrics.total_s < 0.8  # the backoff is set-up, logged apart, not the service's time


def test_one_client_serves_every_question_until_the_profile_changes(settings, key, tmp_path: Path) -> None:
    config = write_config(tmp_path / "config", key)
    first = oci(settings, config, COHERE, "http://127.0.0.1:9").client()
    assert oci(settings, config, COHERE, "http://127.0.0.1:9").client() is first  # providers are per question
    write_config(config, key, region="eu-frankfurt-1")
    assert oci(settings, config, COHERE, "http://127.0.0.1:9").client() is not first


# 6: Cohere grounds its own citations in documents -------------------------------------------------


def test_cohere_gets_the_sources_as_documents_and_its_citations_become_n(
    settings, key, tmp_path: Path
) -> None:
    hits = [
        Hit("/notes/europe.pdf", 3, None, 0.9, "Paris is the capital and largest city of France."),
        Hit("/notes/rivers.md", None, None, 0.5, "The Seine flows through Paris.", heading="Rivers"),
    ]
    script = Script(
        tokens=["Paris", " is the capital", "."],
        citations=[
            {"start": 0, "end": 5, "text": "Paris", "documentIds": ["1", "2"]},
            {"start": 9, "end": 20, "text": "the capital", "documentIds": ["1"]},
        ],
    )
    config = write_config(tmp_path / "config", key)
    with oci_service(key, script) as endpoint:
        result = ask(oci(settings, config, COHERE, endpoint), hits).result()
    request = script.bodies[0]["chatRequest"]
    assert request["documents"] == [
        {"id": "1", "title": "europe.pdf, p.3", "snippet": hits[0].text},
        {"id": "2", "title": "rivers.md, § Rivers", "snippet": hits[1].text},
    ]
    assert "Paris is the capital and largest" not in request["preambleOverride"]  # not sent twice
    assert "excerpts" in request["preambleOverride"]  # the instructions stay
    assert result.answer == "Paris[1][2] is the capital[1]."
    assert [c.cited for c in result.citations] == [True, True]


def test_the_prompt_still_holds_excerpts_the_cohere_request_can_split() -> None:
    """A tripwire for chat/prompt.py: COHERE documents are read from its "[n] label" blocks."""
    hits = [Hit(f"/n{n}.md", None, None, 1.0, f"fact {n}") for n in (1, 2, 3)]
    messages, used = build_messages("q?", hits, lambda t: len(t) // 4, 4096, 256)
    from quire.providers.oci_request import split_sources

    preamble, documents = split_sources(messages[0]["content"])
    assert [d["id"] for d in documents] == ["1", "2", "3"] and len(used) == 3
    assert [d["snippet"] for d in documents] == ["fact 1", "fact 2", "fact 3"]
    assert "fact" not in preamble


# 7: the smaller points -----------------------------------------------------------------------------


def test_a_session_token_401_says_the_token_expired(settings, key, tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("eyJhbGciOi.expired.token")
    config = write_config(tmp_path / "config", key)
    config.write_text(config.read_text() + f"security_token_file={token}\n")
    with oci_service(key, Script()) as endpoint, pytest.raises(ProviderUnavailable) as caught:
        ask(oci(settings, config, COHERE, endpoint)).result()
    reason = caught.value.reason
    assert reason.startswith("HTTP 401: the session token of profile [DEFAULT] was not accepted")
    assert "oci session refresh --profile DEFAULT" in reason and "fingerprint" not in reason


def test_oci_region_is_used_when_the_profile_has_none(
    settings, key, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config(tmp_path / "config", key)
    config.write_text(
        "\n".join(line for line in config.read_text().splitlines() if not line.startswith("region="))
    )
    monkeypatch.delenv("OCI_REGION", raising=False)
    health = oci(settings, config).health()
    assert (
        not health.ok
        and "OCI_REGION" in (health.error or "")
        and "providers.oci.region" in (health.error or "")
    )
    monkeypatch.setenv("OCI_REGION", "eu-frankfurt-1")
    assert (
        oci(settings, config).endpoint == "https://inference.generativeai.eu-frankfurt-1.oci.oraclecloud.com"
    )


def test_max_tokens_is_capped_on_demand_only(settings, key, tmp_path: Path) -> None:
    config = write_config(tmp_path / "config", key)
    script = Script()
    with oci_service(key, script) as endpoint:
        ask(oci(settings, config, COHERE, endpoint), max_tokens=8000).result()
        settings.set("providers.oci.api_format", "COHERE")
        ask(oci(settings, config, ENDPOINT_OCID, endpoint), max_tokens=8000).result()
    assert [b["chatRequest"]["maxTokens"] for b in script.bodies] == [4000, 8000]


@pytest.mark.parametrize(("api_format", "expected"), [("auto", "GENERIC"), ("COHERE", "COHERE")])
def test_a_dedicated_endpoint_answers(settings, key, tmp_path: Path, api_format: str, expected: str) -> None:
    config = write_config(tmp_path / "config", key)
    settings.set("providers.oci.api_format", api_format)
    script = Script()
    with oci_service(key, script) as endpoint:
        provider = oci(settings, config, ENDPOINT_OCID, endpoint)
        result = ask(provider).result()
    assert provider.api_format == expected and result.answer == "Paris is the capital."
    assert script.bodies[0]["servingMode"] == {"servingType": "DEDICATED", "endpointId": ENDPOINT_OCID}
    assert script.bodies[0]["chatRequest"]["apiFormat"] == expected


def test_providers_never_time_themselves() -> None:
    import quire.providers.oci_genai as module

    source = inspect.getsource(module.OciProvider.stream) + inspect.getsource(module.OciProvider._send)
    assert "perf_counter" not in source and "Stopwatch" not in source
