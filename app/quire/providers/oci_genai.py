"""OCI Generative AI through the official `oci` SDK: on-demand models, COHERE or GENERIC chat, streamed."""

from __future__ import annotations

import json
import logging
import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from quire.config import Settings
from quire.errors import ProviderUnavailable
from quire.logfile import private, register_secret
from quire.providers.base import Message, ProviderHealth, SamplingOptions, TokenEvent
from quire.providers.lan import estimate_tokens

log = logging.getLogger(__name__)

RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_BACKOFF_S = 8.0


def api_format_for(model_id: str, setting: str) -> str:
    """COHERE for Cohere's models, GENERIC (messages) for Meta, xAI, OpenAI and the rest."""
    if setting.upper() in {"COHERE", "GENERIC"}:
        return setting.upper()
    return "COHERE" if model_id.lower().startswith("cohere.") else "GENERIC"


class OciProvider:
    name = "oci"

    def __init__(self, settings: Settings, model: str | None = None) -> None:
        self._settings = settings
        self._model = model or settings.get("providers.oci.model")
        self.compartment = settings.get("providers.oci.compartment")
        missing = [k for k, v in (("compartment", self.compartment), ("model", self._model)) if not v]
        if missing:
            keys = " and ".join(f"providers.oci.{k}" for k in missing)
            raise ProviderUnavailable(self.name, f"not configured (set {keys})")
        self.api_format = api_format_for(self._model, settings.get("providers.oci.api_format"))
        self._client: Any = None

    @property
    def model(self) -> str:
        return str(self._model)

    @property
    def context_tokens(self) -> int:
        return int(self._settings.get("providers.oci.context"))

    def count_tokens(self, text: str) -> int:
        return estimate_tokens(text)  # the service has no tokenizer endpoint for chat models

    # The SDK client ---------------------------------------------------------------------------

    def client(self) -> Any:
        """The SDK client, built once from the config profile; config and key errors in plain words."""
        if self._client is not None:
            return self._client
        # Heavy import here: the oci SDK loads thousands of model classes.
        import oci

        get = self._settings.get
        path = Path(get("providers.oci.config_file")).expanduser()
        profile = get("providers.oci.profile")
        try:
            config = oci.config.from_file(str(path), profile)
        except oci.exceptions.ConfigFileNotFound:
            raise ProviderUnavailable(
                self.name, f"no OCI config file at {path} (create one with `oci setup config`)"
            ) from None
        except oci.exceptions.ProfileNotFound:
            raise ProviderUnavailable(self.name, f"profile [{profile}] not found in {path}") from None
        except (oci.exceptions.ClientError, ValueError) as exc:
            raise ProviderUnavailable(self.name, f"{path} [{profile}]: {exc}") from None
        if get("providers.oci.region"):
            config["region"] = get("providers.oci.region")
        # log_requests = True in the profile would make the SDK print signed headers and bodies
        config["log_requests"] = False
        if not config.get("pass_phrase"):
            from quire.secrets import get_secret

            config["pass_phrase"] = get_secret("oci.key_passphrase")
        register_secret(config.get("pass_phrase"))  # one from the config file is never logged either
        kwargs: dict[str, Any] = {
            # we retry ourselves, and only before the first token
            "retry_strategy": oci.retry.NoneRetryStrategy(),
            "circuit_breaker_strategy": oci.circuit_breaker.NoCircuitBreakerStrategy(),
            "timeout": (
                float(get("providers.oci.connect_timeout_s")),
                float(get("providers.oci.read_timeout_s")),
            ),
        }
        if get("providers.oci.endpoint"):
            kwargs["service_endpoint"] = get("providers.oci.endpoint")
        elif not config.get("region"):
            raise ProviderUnavailable(self.name, f"no region: set providers.oci.region or region= in {path}")
        try:
            if config.get("security_token_file"):  # `oci session authenticate` profiles
                kwargs["signer"] = _session_signer(oci, config)
            self._client = oci.generative_ai_inference.GenerativeAiInferenceClient(config, **kwargs)
            # TLS certificates are checked (the SDK's default); said here so no later edit turns it off
            self._client.base_client.session.verify = True
        except oci.exceptions.MissingPrivateKeyPassphrase:
            raise ProviderUnavailable(
                self.name, "the API key is encrypted: `quire secret set oci.key_passphrase`"
            ) from None
        except oci.exceptions.InvalidPrivateKey as exc:
            raise ProviderUnavailable(self.name, f"the API private key cannot be used ({exc})") from None
        except (oci.exceptions.ClientError, ValueError, OSError) as exc:
            raise ProviderUnavailable(self.name, f"{path} [{profile}]: {exc}") from None
        return self._client

    @property
    def endpoint(self) -> str:
        return str(self.client().base_client.endpoint)

    def health(self) -> ProviderHealth:
        """Config and key load, and the endpoint accepts a connection (no request is signed or sent)."""
        try:
            parts = urlsplit(self.endpoint)
        except ProviderUnavailable as exc:
            return ProviderHealth(False, self.model, exc.reason)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        started = time.perf_counter()
        try:
            with socket.create_connection(
                (host, port), timeout=float(self._settings.get("providers.oci.connect_timeout_s"))
            ):
                pass
        except socket.gaierror:
            return ProviderHealth(False, self.model, f"cannot resolve {host} (DNS lookup failed)")
        except OSError as exc:
            return ProviderHealth(False, self.model, f"cannot reach {host}:{port} ({exc.strerror or exc})")
        return ProviderHealth(True, self.model, None, round((time.perf_counter() - started) * 1000, 1))

    # Answering ------------------------------------------------------------------------------

    def chat_details(
        self, messages: list[Message], *, max_tokens: int, sampling: SamplingOptions | None = None
    ) -> Any:
        from oci.generative_ai_inference import models as m

        temperature = (sampling or SamplingOptions()).temperature
        if self.api_format == "COHERE":
            system = "\n\n".join(msg["content"] for msg in messages if msg["role"] == "system")
            turns = [msg for msg in messages if msg["role"] != "system"]
            history = [
                m.CohereUserMessage(message=t["content"])
                if t["role"] == "user"
                else m.CohereChatBotMessage(message=t["content"])
                for t in turns[:-1]
            ]
            request: Any = m.CohereChatRequest(
                message=turns[-1]["content"] if turns else "",
                chat_history=history or None,
                preamble_override=system or None,
                max_tokens=max_tokens,
                temperature=temperature,
                is_stream=True,
                stream_options=m.StreamOptions(is_include_usage=True),
            )
        else:
            kinds = {"system": m.SystemMessage, "user": m.UserMessage, "assistant": m.AssistantMessage}
            request = m.GenericChatRequest(
                messages=[
                    kinds[msg["role"]](content=[m.TextContent(text=msg["content"])]) for msg in messages
                ],
                max_tokens=max_tokens,
                temperature=temperature,
                is_stream=True,
                stream_options=m.StreamOptions(is_include_usage=True),
            )
        return m.ChatDetails(
            compartment_id=self.compartment,
            serving_mode=m.OnDemandServingMode(model_id=self.model),
            chat_request=request,
        )

    def _open(self, details: Any) -> Any:
        """Send the request; throttling and server errors are retried with backoff, others explained."""
        import oci

        client = self.client()
        retries = int(self._settings.get("providers.oci.retries"))
        for attempt in range(retries + 1):
            try:
                return client.chat(details).data
            except oci.exceptions.ServiceError as exc:
                if exc.status in RETRY_STATUSES and attempt < retries:
                    wait = _retry_after(exc.headers) or min(MAX_BACKOFF_S, 0.5 * 2**attempt)
                    log.info("oci: HTTP %s, retry %d in %.1f s", exc.status, attempt + 1, wait)
                    time.sleep(wait)
                    continue
                raise ProviderUnavailable(self.name, self._service_error(exc)) from None
            except oci.exceptions.ConnectTimeout:
                raise ProviderUnavailable(
                    self.name, f"no answer from {self.endpoint} (connect timeout)"
                ) from None
            except oci.exceptions.RequestException as exc:
                raise ProviderUnavailable(self.name, _request_error(exc, self.endpoint)) from None
        raise AssertionError("unreachable")

    def stream(
        self, messages: list[Message], *, max_tokens: int, sampling: SamplingOptions
    ) -> Iterator[TokenEvent]:
        sse = self._open(self.chat_details(messages, max_tokens=max_tokens, sampling=sampling))
        streamed: list[str] = []
        usage: dict[str, Any] = {}
        finished = False
        try:
            for event in sse.events():
                data = _event_json(event.data)
                if data is None:
                    continue
                if isinstance(data.get("usage"), dict):
                    usage = data["usage"]
                text = _event_text(data, self.api_format, "".join(streamed))
                if text:
                    streamed.append(text)
                    yield TokenEvent(text)
                finished = finished or bool(data.get("finishReason"))
        except GeneratorExit:
            raise
        except Exception as exc:  # the SDK's transport raises many kinds; all mean the stream broke
            log.warning("oci: stream broke", exc_info=True)
            raise ProviderUnavailable(
                self.name, f"the stream broke mid-answer ({type(exc).__name__})"
            ) from None
        finally:
            sse.close()
        if not finished:
            raise ProviderUnavailable(
                self.name, "the service closed the stream before the answer was finished"
            )
        yield TokenEvent(
            prompt_tokens=_int(usage.get("promptTokens")),
            output_tokens=_int(usage.get("completionTokens")) or len(streamed),
        )

    def _service_error(self, exc: Any) -> str:
        said = f" — service said: {exc.message}" if exc.message else ""
        region = urlsplit(self.endpoint).hostname
        if exc.status == 401:
            return (
                "HTTP 401: the request signature was not accepted "
                f"(check the user, fingerprint and key in the OCI config profile){said}"
            )
        if exc.status == 404:
            return (
                f"HTTP 404: model {self.model!r} or compartment not found at {region} "
                f"(is the model offered on demand in this region, and may you use it?){said}"
            )
        if exc.status == 429:
            return f"HTTP 429: throttled by OCI Generative AI even after retries; try again shortly{said}"
        if exc.status >= 500:
            return f"HTTP {exc.status}: OCI Generative AI failed{said}"
        return f"HTTP {exc.status} {exc.code}{said}"


def _session_signer(oci: Any, config: dict[str, Any]) -> Any:
    token = Path(config["security_token_file"]).expanduser().read_text().strip()
    key = oci.signer.load_private_key_from_file(config["key_file"], config.get("pass_phrase"))
    return oci.auth.signers.SecurityTokenSigner(token, key)


def _event_json(data: str) -> dict[str, Any] | None:
    if not data or data.strip() == "[DONE]":
        return None
    try:
        parsed = json.loads(data)
    except ValueError:
        log.warning("oci: skipped a stream event that is not JSON: %s", private(data[:120]))
        return None
    return parsed if isinstance(parsed, dict) else None


def _event_text(data: dict[str, Any], api_format: str, so_far: str) -> str:
    if api_format == "COHERE" or data.get("apiFormat") == "COHERE":
        text = str(data.get("text") or "")
        if data.get("finishReason"):  # the last event repeats the whole answer
            return text[len(so_far) :] if text.startswith(so_far) else ""
        return text
    message = data.get("message") or {}
    parts = (message.get("content") or []) if isinstance(message, dict) else []
    return "".join(
        str(p.get("text") or "") for p in parts if isinstance(p, dict) and p.get("type", "TEXT") == "TEXT"
    )


def _retry_after(headers: Any) -> float | None:
    value: Any = (headers or {}).get("retry-after")
    try:
        return min(MAX_BACKOFF_S, float(value))
    except (TypeError, ValueError):
        return None


def _request_error(exc: Exception, endpoint: str) -> str:
    text = str(exc)
    host = urlsplit(endpoint).hostname
    if "Name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text:
        return f"cannot resolve {host} (DNS lookup failed; check providers.oci.region/endpoint)"
    if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text:
        found = re.search(r"certificate verify failed: (.+?)\s*\(_ssl", text)
        why = found.group(1) if found else "not trusted"
        parts = urlsplit(endpoint)
        return (
            f"certificate of {parts.scheme}://{parts.netloc} could not be verified: {why}; is a proxy "
            "intercepting TLS (then set REQUESTS_CA_BUNDLE to its CA), or providers.oci.endpoint wrong?"
        )
    if "Connection refused" in text:
        return f"connection refused by {endpoint}"
    if "Read timed out" in text:
        return f"{endpoint} accepted the connection but did not answer in time (read timeout)"
    return f"cannot reach {endpoint} ({text.split(' Request Endpoint:')[0][:200]})"


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else None
