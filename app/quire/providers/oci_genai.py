"""OCI Generative AI through the official `oci` SDK: on-demand or dedicated models, COHERE or
GENERIC chat, streamed. One SDK client per configuration, kept across questions."""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from quire.config import Settings
from quire.errors import ProviderUnavailable
from quire.logfile import register_secret
from quire.providers.base import CUT, FAILED, FINISHED, Message, ProviderHealth, SamplingOptions, TokenEvent
from quire.providers.lan import estimate_tokens
from quire.providers.oci_events import as_int, citations, event_json, event_text, finish_reason, why_failed
from quire.providers.oci_request import answer_tokens, api_format_for, chat_details, is_dedicated

__all__ = ["OciProvider", "api_format_for"]

log = logging.getLogger(__name__)

RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_BACKOFF_S = 8.0
REACHABLE = "the endpoint answers HTTPS; key, policy, compartment and model are checked by the first question"

# Building a client loads the RSA key and the SDK's session: done once per configuration (the
# providers themselves are rebuilt for every question), again when the profile, key or token changes.
_CLIENTS: dict[tuple[Any, ...], Any] = {}
_CLIENTS_LOCK = threading.Lock()


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
        self._session_token = False  # the profile signs with `oci session authenticate`'s token

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
        """The SDK client for this configuration; config and key errors in plain words."""
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
        # the region: this setting, else the profile's, else OCI_REGION (the SDK's own fallback)
        config["region"] = (
            get("providers.oci.region") or config.get("region") or self._settings.oci_region_env
        )
        if not get("providers.oci.endpoint") and not config["region"]:
            raise ProviderUnavailable(
                self.name,
                f"no region: set providers.oci.region, region= in [{profile}] of {path}, or OCI_REGION",
            )
        # log_requests = True in the profile would make the SDK print signed headers and bodies
        config["log_requests"] = False
        if not config.get("pass_phrase"):
            from quire.secrets import get_secret

            config["pass_phrase"] = get_secret("oci.key_passphrase")
        register_secret(config.get("pass_phrase"))  # one from the config file is never logged either
        self._session_token = bool(config.get("security_token_file"))
        key = _client_key(path, profile, config, get)
        with _CLIENTS_LOCK:
            cached = _CLIENTS.get(key)
        if cached is None:
            cached = self._build_client(oci, config, path, profile)
            with _CLIENTS_LOCK:
                _CLIENTS[key] = cached
        self._client = cached
        return cached

    def _build_client(self, oci: Any, config: dict[str, Any], path: Path, profile: str) -> Any:
        get = self._settings.get
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
        try:
            if self._session_token:
                kwargs["signer"] = _session_signer(oci, config)
            client = oci.generative_ai_inference.GenerativeAiInferenceClient(config, **kwargs)
            # TLS certificates are checked (the SDK's default); said here so no later edit turns it off
            client.base_client.session.verify = True
        except oci.exceptions.MissingPrivateKeyPassphrase:
            raise ProviderUnavailable(
                self.name, "the API key is encrypted: `quire secret set oci.key_passphrase`"
            ) from None
        except oci.exceptions.InvalidPrivateKey as exc:
            raise ProviderUnavailable(self.name, f"the API private key cannot be used ({exc})") from None
        except (oci.exceptions.ClientError, ValueError, OSError) as exc:
            raise ProviderUnavailable(self.name, f"{path} [{profile}]: {exc}") from None
        return client

    @property
    def endpoint(self) -> str:
        """scheme://host of the service as the SDK will call it. From oci 2.175 the client's
        `endpoint` is a template ("…{dualStack?ds.:}oci.oraclecloud.com"); get_endpoint() fills it."""
        base = self.client().base_client
        return str(base.get_endpoint() if hasattr(base, "get_endpoint") else base.endpoint)

    def health(self) -> ProviderHealth:
        """Config and key load, and the endpoint answers HTTPS through the SDK's own session (its
        proxy settings, HTTPS_PROXY included, and its certificate checks). Nothing is signed: an
        ok says the service is reachable, not that this key, policy or model will be accepted."""
        try:
            client = self.client()
            url = self.endpoint
        except ProviderUnavailable as exc:
            return ProviderHealth(False, self.model, exc.reason)
        timeout = float(self._settings.get("providers.oci.connect_timeout_s"))
        started = time.perf_counter()
        try:
            response = client.base_client.session.request(
                "GET", url + "/20231130/", timeout=(timeout, timeout), allow_redirects=False
            )
            response.close()
        except Exception as exc:  # noqa: BLE001 (the vendored requests raises many kinds; all mean "not reachable")
            return ProviderHealth(False, self.model, _request_error(exc, url))
        return ProviderHealth(
            True, self.model, None, round((time.perf_counter() - started) * 1000, 1), REACHABLE
        )

    # Answering ------------------------------------------------------------------------------

    def chat_details(
        self, messages: list[Message], *, max_tokens: int, sampling: SamplingOptions | None = None
    ) -> Any:
        temperature = (sampling or SamplingOptions()).temperature
        capped = answer_tokens(self.model, max_tokens)
        if capped < max_tokens:
            log.info("oci: max_tokens %d capped at the on-demand limit of %d", max_tokens, capped)
        try:
            return chat_details(
                self.compartment,
                self.model,
                self.api_format,
                messages,
                max_tokens=capped,
                temperature=temperature,
            )
        except (TypeError, ValueError, AttributeError, ImportError) as exc:
            import oci

            raise ProviderUnavailable(
                self.name,
                f"the installed oci SDK {oci.__version__} cannot build this request ({exc}); "
                "upgrade it: pip install 'oci>=2.158.2'",
            ) from None

    def stream(
        self, messages: list[Message], *, max_tokens: int, sampling: SamplingOptions
    ) -> Iterator[TokenEvent]:
        details = self.chat_details(messages, max_tokens=max_tokens, sampling=sampling)
        sources = len(getattr(details.chat_request, "documents", None) or [])
        sse = yield from self._send(details)
        streamed: list[str] = []
        usage: dict[str, Any] = {}
        finish: str | None = None
        raw_finish: Any = None
        grounded: tuple[Any, ...] = ()
        try:
            for event in sse.events():
                data = event_json(event.data)
                if data is None:
                    continue
                if isinstance(data.get("usage"), dict):
                    usage = data["usage"]
                text = event_text(data, self.api_format, "".join(streamed))
                if text:
                    streamed.append(text)
                    yield TokenEvent(text)
                if data.get("finishReason"):
                    raw_finish, finish = data["finishReason"], finish_reason(data["finishReason"])
                grounded = grounded or citations(data, sources)
        except GeneratorExit:
            raise
        except Exception as exc:  # the SDK's transport raises many kinds; all mean the stream broke
            log.warning("oci: stream broke", exc_info=True)
            raise ProviderUnavailable(
                self.name, f"the stream broke mid-answer ({type(exc).__name__})"
            ) from None
        finally:
            sse.close()
        if finish is None:
            raise ProviderUnavailable(
                self.name, "the service closed the stream before the answer was finished"
            )
        if finish == FAILED:  # before the first token: the next provider; after it: kept as partial
            raise ProviderUnavailable(self.name, why_failed(raw_finish))
        if finish == CUT:
            log.info("oci: the answer reached max_tokens (%s)", raw_finish)
        yield TokenEvent(
            prompt_tokens=as_int(usage.get("promptTokens")),
            output_tokens=as_int(usage.get("completionTokens")) or len(streamed),
            finish_reason=None if finish == FINISHED else finish,  # None: the model ended it
            citations=grounded,
        )

    def _send(self, details: Any) -> Generator[TokenEvent, None, Any]:
        """Send the request (a request_sent mark before each try, so TTFT starts there);
        throttling and server errors are retried with backoff, others explained. Returns the SSE."""
        import oci

        client = self.client()
        retries = int(self._settings.get("providers.oci.retries"))
        for attempt in range(retries + 1):
            yield TokenEvent(request_sent=True)
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

    def _service_error(self, exc: Any) -> str:
        said = f" — service said: {exc.message}" if exc.message else ""
        region = urlsplit(self.endpoint).hostname
        profile = self._settings.get("providers.oci.profile")
        if exc.status == 401 and self._session_token:
            return (
                f"HTTP 401: the session token of profile [{profile}] was not accepted; it has most likely "
                f"expired (they last an hour): run `oci session refresh --profile {profile}`, or "
                f"`oci session authenticate` again{said}"
            )
        if exc.status == 401:
            return (
                "HTTP 401: the request signature was not accepted "
                f"(check the user, fingerprint and key in the OCI config profile){said}"
            )
        if exc.status == 404 and is_dedicated(self.model):
            return (
                f"HTTP 404: dedicated endpoint {self.model!r} not found at {region}, or not in "
                f"compartment {self.compartment} (is it active, and may you use it?){said}"
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


def _client_key(path: Path, profile: str, config: dict[str, Any], get: Any) -> tuple[Any, ...]:
    """What makes a client different: the profile as read, its key and token files as they are
    now (`oci session refresh` rewrites the token), the passphrase, endpoint and timeouts."""

    def stamp(name: str) -> tuple[str, int, int] | None:
        value = config.get(name)
        if not value:
            return None
        file = Path(value).expanduser()
        try:
            info = file.stat()
        except OSError:
            return (str(file), 0, 0)
        return (str(file), info.st_mtime_ns, info.st_size)

    secret = hashlib.sha256(str(config.get("pass_phrase") or "").encode()).hexdigest()
    profile_items = tuple(sorted((k, str(v)) for k, v in config.items() if k != "pass_phrase"))
    return (
        str(path),
        profile,
        profile_items,
        stamp("key_file"),
        stamp("security_token_file"),
        secret,
        get("providers.oci.endpoint"),
        float(get("providers.oci.connect_timeout_s")),
        float(get("providers.oci.read_timeout_s")),
    )


def _session_signer(oci: Any, config: dict[str, Any]) -> Any:
    token = Path(config["security_token_file"]).expanduser().read_text().strip()
    key = oci.signer.load_private_key_from_file(config["key_file"], config.get("pass_phrase"))
    return oci.auth.signers.SecurityTokenSigner(token, key)


def _retry_after(headers: Any) -> float | None:
    value: Any = (headers or {}).get("retry-after")
    try:
        return min(MAX_BACKOFF_S, float(value))
    except (TypeError, ValueError):
        return None


def _request_error(exc: Exception, endpoint: str) -> str:
    text = str(exc)
    host = urlsplit(endpoint).hostname
    if "ProxyError" in type(exc).__name__ or "Unable to connect to proxy" in text:
        said = text.split(" Request Endpoint:")[0][:200]
        return f"cannot reach {endpoint} through the proxy (HTTPS_PROXY): {said}"
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
    if "timed out" in text:
        return f"no answer from {endpoint} (connect timeout)"
    return f"cannot reach {endpoint} ({text.split(' Request Endpoint:')[0][:200]})"
