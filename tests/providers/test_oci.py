"""The OCI provider through the real `oci` SDK, against a loopback service that verifies signatures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from oci_server import COMPARTMENT, KeyPair, Script, make_key, oci_service, write_config

from quire.chat.answer import AnswerStream
from quire.chat.metrics import MetricsLog
from quire.errors import ProviderUnavailable
from quire.providers.base import SamplingOptions
from quire.providers.oci_genai import OciProvider, api_format_for

MESSAGES = [
    {"role": "system", "content": "Answer from the sources."},
    {"role": "user", "content": "What is the capital of France?"},
]


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, KeyPair]:
    folder = tmp_path_factory.mktemp("oci-keys")
    return {
        "good": make_key(folder, "good"),
        "other": make_key(folder, "other"),
        "locked": make_key(folder, "locked", passphrase="s3cret"),
    }


def oci(settings, endpoint: str, config: Path, model: str = "cohere.command-r-plus-08-2024") -> OciProvider:  # type: ignore[no-untyped-def]
    settings.set("providers.oci.config_file", str(config))
    settings.set("providers.oci.endpoint", endpoint)
    settings.set("providers.oci.compartment", COMPARTMENT)
    settings.set("providers.oci.model", model)
    return OciProvider(settings)


def ask(provider: OciProvider, log: MetricsLog | None = None) -> AnswerStream:
    return AnswerStream(
        "What is the capital of France?", [], [provider], max_tokens=64, temperature=0.1, metrics_log=log
    )


@pytest.mark.parametrize(
    ("model", "api_format"),
    [("cohere.command-r-plus-08-2024", "COHERE"), ("meta.llama-3.3-70b-instruct", "GENERIC")],
)
def test_signed_streaming_chat_in_both_formats(
    settings, keys, tmp_path: Path, model: str, api_format: str
) -> None:
    config = write_config(tmp_path / "config", keys["good"])
    script = Script()
    with oci_service(keys["good"], script) as endpoint:
        provider = oci(settings, endpoint, config, model)
        assert provider.api_format == api_format
        log = MetricsLog(tmp_path / "metrics.sqlite3")
        stream = ask(provider, log)
        pieces = list(stream)
        result = stream.result()
        health = provider.health()
    assert pieces == ["Paris", " is", " the", " capital", "."]  # live deltas, final repeat not doubled
    assert result.answer == "Paris is the capital." and result.error is None
    assert result.provider == "oci" and result.model == model
    assert result.metrics.output_tokens == 5 and result.metrics.ttft_s is not None
    if api_format == "GENERIC":
        assert result.metrics.prompt_tokens == 57  # the service's own usage count
    [body] = script.bodies
    request = body["chatRequest"]
    assert body["servingMode"] == {"servingType": "ON_DEMAND", "modelId": model}
    assert request["apiFormat"] == api_format and request["maxTokens"] == 64
    if api_format == "COHERE":
        assert request["preambleOverride"]  # the system prompt
        assert "What is the capital of France?" in request["message"]
    else:
        assert [m["role"] for m in request["messages"]] == ["SYSTEM", "USER"]
        assert request["streamOptions"] == {"isIncludeUsage": True}
    assert health.ok and health.latency_ms is not None
    assert log.recent()[0]["provider"] == "oci"


def test_chat_history_goes_to_cohere_as_turns(settings, keys, tmp_path: Path) -> None:
    config = write_config(tmp_path / "config", keys["good"])
    with oci_service(keys["good"], Script()) as endpoint:
        details = oci(settings, endpoint, config).chat_details(
            [
                *MESSAGES[:1],
                {"role": "user", "content": "Hi"},
                {"role": "assistant", "content": "Hello"},
                MESSAGES[1],
            ],
            max_tokens=8,
            sampling=SamplingOptions(temperature=0),
        )
    request = details.chat_request
    assert request.message == MESSAGES[1]["content"]
    assert [(t.role, t.message) for t in request.chat_history] == [("USER", "Hi"), ("CHATBOT", "Hello")]


def test_a_request_signed_with_the_wrong_key_is_rejected(settings, keys, tmp_path: Path) -> None:
    # the profile names the registered key's fingerprint but holds another private key
    config = write_config(tmp_path / "config", keys["other"], fingerprint=keys["good"].fingerprint)
    script = Script()
    with oci_service(keys["good"], script) as endpoint, pytest.raises(ProviderUnavailable) as caught:
        ask(oci(settings, endpoint, config)).result()
    assert "HTTP 401: the request signature was not accepted" in caught.value.reason
    assert "signature does not verify" in caught.value.reason  # the service's own words
    assert script.attempts == 1  # an auth failure is not retried


def test_throttling_is_retried_before_the_first_token(settings, keys, tmp_path: Path) -> None:
    config = write_config(tmp_path / "config", keys["good"])
    script = Script(fail_first=[429, 429])
    with oci_service(keys["good"], script) as endpoint:
        result = ask(oci(settings, endpoint, config)).result()
    assert result.answer == "Paris is the capital." and script.attempts == 3


def test_throttling_that_persists_is_explained(settings, keys, tmp_path: Path) -> None:
    config = write_config(tmp_path / "config", keys["good"])
    settings.set("providers.oci.retries", 1)
    script = Script(status=429)
    with (
        oci_service(keys["good"], script) as endpoint,
        pytest.raises(ProviderUnavailable, match="HTTP 429: throttled"),
    ):
        ask(oci(settings, endpoint, config)).result()
    assert script.attempts == 2


def test_a_model_missing_from_the_region_is_explained(settings, keys, tmp_path: Path) -> None:
    config = write_config(tmp_path / "config", keys["good"])
    with (
        oci_service(keys["good"], Script(status=404)) as endpoint,
        pytest.raises(ProviderUnavailable) as caught,
    ):
        ask(oci(settings, endpoint, config, "cohere.nope")).result()
    assert "HTTP 404: model 'cohere.nope' or compartment not found" in caught.value.reason
    assert "offered on demand in this region" in caught.value.reason


def test_an_encrypted_key_needs_its_passphrase_from_the_keyring(
    settings, keys, tmp_path, no_keyring_secrets
) -> None:
    locked = keys["locked"]
    config = write_config(tmp_path / "config", locked)
    with oci_service(locked, Script()) as endpoint:
        health = oci(settings, endpoint, config).health()
        assert not health.ok and "quire secret set oci.key_passphrase" in (health.error or "")
        no_keyring_secrets["oci.key_passphrase"] = "s3cret"
        result = ask(oci(settings, endpoint, config)).result()
    assert result.answer == "Paris is the capital."


def test_config_problems_are_explained(settings, keys, tmp_path: Path) -> None:
    missing = oci(settings, "http://127.0.0.1:9", tmp_path / "nope" / "config").health()
    assert not missing.ok and "no OCI config file at" in (missing.error or "")

    config = write_config(tmp_path / "config", keys["good"])
    settings.set("providers.oci.profile", "WORK")
    wrong_profile = oci(settings, "http://127.0.0.1:9", config).health()
    assert not wrong_profile.ok and "profile [WORK] not found" in (wrong_profile.error or "")

    settings.set("providers.oci.profile", "DEFAULT")
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("-----BEGIN RSA PRIVATE KEY-----\nnot a key\n-----END RSA PRIVATE KEY-----\n")
    write_config(config, KeyPair(garbage, keys["good"].public_key, keys["good"].fingerprint))
    bad_key = oci(settings, "http://127.0.0.1:9", config).health()
    assert not bad_key.ok and "private key" in (bad_key.error or "").lower()

    settings.set("providers.oci.compartment", "")
    with pytest.raises(ProviderUnavailable, match=r"not configured \(set providers.oci.compartment\)"):
        OciProvider(settings)


def test_api_format_follows_the_model_unless_set() -> None:
    assert api_format_for("cohere.command-a-03-2025", "auto") == "COHERE"
    assert api_format_for("meta.llama-4-maverick-17b-128e-instruct-fp8", "auto") == "GENERIC"
    assert api_format_for("ocid1.generativeaimodel.oc1..x", "cohere") == "COHERE"


LIVE = ("QUIRE_TEST_OCI_PROFILE", "QUIRE_TEST_OCI_COMPARTMENT", "QUIRE_TEST_OCI_MODEL")


@pytest.mark.slow
@pytest.mark.skipif(
    not all(os.environ.get(name) for name in LIVE),
    reason="live OCI test: set QUIRE_TEST_OCI_PROFILE, QUIRE_TEST_OCI_COMPARTMENT and QUIRE_TEST_OCI_MODEL",
)
def test_live_oci_generative_ai(settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()  # the real network, on purpose
    settings.set("providers.oci.profile", os.environ["QUIRE_TEST_OCI_PROFILE"])
    settings.set("providers.oci.compartment", os.environ["QUIRE_TEST_OCI_COMPARTMENT"])
    settings.set("providers.oci.model", os.environ["QUIRE_TEST_OCI_MODEL"])
    for name in ("CONFIG_FILE", "REGION", "ENDPOINT"):
        if os.environ.get(f"QUIRE_TEST_OCI_{name}"):
            settings.set(f"providers.oci.{name.lower()}", os.environ[f"QUIRE_TEST_OCI_{name}"])
    provider = OciProvider(settings)
    assert provider.health().ok, provider.health().error
    result = ask(provider).result()
    assert result.answer and result.error is None and result.metrics.ttft_s
