"""A server on the user's network that speaks the OpenAI chat API (vLLM, llama.cpp, Ollama, LM Studio)."""

from __future__ import annotations

import json
import logging
import socket
import ssl
import time
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import httpx

from quire.config import Settings
from quire.errors import ProviderUnavailable
from quire.logfile import private
from quire.providers.base import Message, ProviderHealth, SamplingOptions, TokenEvent

log = logging.getLogger(__name__)

CHARS_PER_TOKEN = 4  # the usual estimate for English text with BPE tokenizers


def estimate_tokens(text: str) -> int:
    return max(1, -(-len(text) // CHARS_PER_TOKEN)) if text else 0


class LanProvider:
    name = "lan"

    def __init__(self, settings: Settings, model: str | None = None) -> None:
        url = settings.get("providers.lan.url").strip()
        if not url:
            raise ProviderUnavailable(self.name, "not configured (set providers.lan.url)")
        if not url.startswith(("http://", "https://")):
            url = "http://" + url
        self.url = url.rstrip("/")
        self._settings = settings
        self._model = model or settings.get("providers.lan.model") or None
        self._tokenizer: str | None = None if settings.get("providers.lan.tokenize") else "estimate"
        self._count = lru_cache(maxsize=256)(self._count_uncached)
        self._auth: dict[str, str] | None = None
        self._http: httpx.Client | None = None

    # What it is -----------------------------------------------------------------------------

    @property
    def model(self) -> str:
        return self._model or "(server default)"

    @property
    def context_tokens(self) -> int:
        return int(self._settings.get("providers.lan.context"))

    def _headers(self) -> dict[str, str]:
        if self._auth is None:
            from quire.secrets import get_secret

            key = get_secret("lan.api_key")  # optional: many LAN servers take none
            self._auth = {"Authorization": f"Bearer {key}"} if key else {}
        return self._auth

    def _timeout(self, read: float | None = None) -> httpx.Timeout:
        get = self._settings.get
        return httpx.Timeout(
            connect=float(get("providers.lan.connect_timeout_s")),
            read=read or float(get("providers.lan.read_timeout_s")),
            write=30.0,
            pool=5.0,
        )

    def _verify(self) -> ssl.SSLContext | bool:
        """https certificates are always checked: against providers.lan.ca_bundle when set (a LAN box
        with its own CA), else against the public CAs. There is deliberately no way to turn it off."""
        bundle = self._settings.get("providers.lan.ca_bundle").strip()
        if not bundle:
            return True
        path = Path(bundle).expanduser()
        try:
            return ssl.create_default_context(cafile=str(path))
        except (OSError, ssl.SSLError) as exc:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise ProviderUnavailable(
                self.name, f"providers.lan.ca_bundle {path} cannot be used as a CA file ({why})"
            ) from None

    @property
    def client(self) -> httpx.Client:
        """One client per provider: it keeps the connection open between requests."""
        if self._http is None:
            self._http = httpx.Client(
                headers=self._headers(), timeout=self._timeout(), trust_env=False, verify=self._verify()
            )
        return self._http

    # Tokens ---------------------------------------------------------------------------------

    def count_tokens(self, text: str) -> int:
        return self._count(text)

    def _count_uncached(self, text: str) -> int:
        if self._tokenizer != "estimate":
            try:
                return self._server_count(text)
            except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
                log.info("lan: %s does not count tokens (%s); estimating", self.url, exc)
                self._tokenizer = "estimate"
        return estimate_tokens(text)

    def _server_count(self, text: str) -> int:
        """llama-cpp-python offers /extras/tokenize/count; llama.cpp and vLLM offer /tokenize."""
        root = self.url.removesuffix("/v1")
        routes = [self._tokenizer] if self._tokenizer else ["/extras/tokenize/count", "/tokenize"]
        body = {"input": text, "content": text, "prompt": text, "add_special": False}
        if self._model:
            body["model"] = self._model
        timeout = self._timeout(float(self._settings.get("providers.lan.health_timeout_s")))
        for route in routes:
            assert route is not None
            response = self.client.post(root + route, json=body, timeout=timeout)
            if response.status_code in (404, 405):
                continue
            response.raise_for_status()
            data = response.json()
            count = data["count"] if "count" in data else len(data["tokens"])
            self._tokenizer = route
            return int(count)
        raise ValueError("no tokenize route")

    # Health ---------------------------------------------------------------------------------

    def list_models(self, timeout: float | None = None) -> list[str]:
        timeout = timeout or float(self._settings.get("providers.lan.health_timeout_s"))
        try:
            response = self.client.get(self.url + "/models", timeout=self._timeout(timeout))
        except httpx.HTTPError as exc:
            raise self._unavailable(exc, timeout) from None
        if response.status_code >= 400:
            raise self._http_error(response)
        try:
            return [str(item["id"]) for item in response.json()["data"]]
        except (ValueError, KeyError, TypeError):
            raise ProviderUnavailable(
                self.name, f"{self.url}/models did not answer like an OpenAI-compatible server"
            ) from None

    def health(self) -> ProviderHealth:
        try:
            self.client  # noqa: B018 (opening the keyring and TLS setup are not the server's latency)
        except ProviderUnavailable as exc:
            return ProviderHealth(False, self.model, exc.reason)
        started = time.perf_counter()
        try:
            models = self.list_models()
        except ProviderUnavailable as exc:
            return ProviderHealth(False, self.model, exc.reason)
        latency = round((time.perf_counter() - started) * 1000, 1)
        if not models and not self._model:
            return ProviderHealth(False, self.model, "the server lists no models", latency)
        return ProviderHealth(True, self._model or models[0], None, latency)

    def _resolve_model(self) -> str:
        if not self._model:
            models = self.list_models()
            if not models:
                raise ProviderUnavailable(self.name, f"{self.url} lists no models (set providers.lan.model)")
            self._model = models[0]
        return self._model

    # Answering ------------------------------------------------------------------------------

    def stream(
        self, messages: list[Message], *, max_tokens: int, sampling: SamplingOptions
    ) -> Iterator[TokenEvent]:
        # Only the OpenAI API's own sampling fields: strict servers refuse others.
        body: dict[str, Any] = {
            "model": self._resolve_model(),
            "messages": messages,
            "max_tokens": max_tokens,
            "temperature": sampling.temperature,
            "top_p": sampling.top_p,
            "presence_penalty": sampling.presence_penalty,
            "frequency_penalty": sampling.frequency_penalty,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if sampling.seed is not None:
            body["seed"] = sampling.seed
        output = 0
        usage: dict[str, Any] = {}
        finished = False
        try:
            with self.client.stream("POST", self.url + "/chat/completions", json=body) as response:
                if response.status_code >= 400:
                    response.read()
                    raise self._http_error(response)
                for data in _sse_data(response.iter_lines()):
                    if data == "[DONE]":
                        finished = True
                        break
                    chunk = _parse_chunk(data)
                    if chunk is None:
                        continue
                    if isinstance(chunk.get("error"), dict | str):
                        raise ProviderUnavailable(self.name, f"the server failed: {_error_text(chunk)}")
                    if isinstance(chunk.get("usage"), dict):
                        usage = chunk["usage"]
                    for choice in chunk.get("choices") or []:
                        text = (choice.get("delta") or {}).get("content")
                        if text:
                            output += 1
                            yield TokenEvent(text)
                        if choice.get("finish_reason"):
                            finished = True
        except httpx.HTTPError as exc:
            if output:
                raise ProviderUnavailable(self.name, _mid_stream(exc)) from None
            raise self._unavailable(exc) from None
        if not finished:
            raise ProviderUnavailable(
                self.name, "the server closed the stream before the answer was finished"
            )
        yield TokenEvent(
            prompt_tokens=_int(usage.get("prompt_tokens")),
            output_tokens=_int(usage.get("completion_tokens")) or output,
        )

    # Errors in the user's words ---------------------------------------------------------------

    def _unavailable(self, exc: httpx.HTTPError, timeout: float | None = None) -> ProviderUnavailable:
        get = self._settings.get
        where = self.url
        if isinstance(exc, httpx.ConnectTimeout):
            seconds = get("providers.lan.connect_timeout_s")
            return ProviderUnavailable(
                self.name,
                f"no answer from {where} within {seconds:g} s (connect timeout: is it on this network?)",
            )
        if isinstance(exc, httpx.ReadTimeout):
            seconds = timeout or get("providers.lan.read_timeout_s")
            return ProviderUnavailable(
                self.name,
                f"{where} accepted the connection but sent nothing for {seconds:g} s "
                "(read timeout: the server may be busy or loading a model)",
            )
        if isinstance(exc, httpx.ConnectError):
            cause = _root_cause(exc)
            if isinstance(cause, ssl.SSLCertVerificationError):
                return ProviderUnavailable(self.name, self._certificate_problem(cause))
            if isinstance(cause, socket.gaierror) or "name or service" in str(exc).lower():
                host = httpx.URL(self.url).host
                return ProviderUnavailable(
                    self.name, f"cannot resolve host name {host!r} (DNS lookup failed)"
                )
            if isinstance(cause, ConnectionRefusedError) or "refused" in str(exc).lower():
                return ProviderUnavailable(
                    self.name, f"connection refused by {where} (is the server running on that port?)"
                )
            return ProviderUnavailable(self.name, f"cannot connect to {where} ({exc})")
        if isinstance(exc, httpx.RemoteProtocolError):
            return ProviderUnavailable(self.name, f"{where} closed the connection without answering ({exc})")
        return ProviderUnavailable(self.name, f"{where}: {type(exc).__name__}: {exc}")

    def _certificate_problem(self, cause: ssl.SSLCertVerificationError) -> str:
        url = httpx.URL(self.url)
        where = f"https://{url.host}:{url.port or 443}"
        why = cause.verify_message or cause.reason or str(cause)
        bundle = self._settings.get("providers.lan.ca_bundle").strip()
        hint = (
            f"is {bundle} (providers.lan.ca_bundle) the CA that signed it, "
            "and does the certificate name this host?"
            if bundle
            else "set providers.lan.ca_bundle to your server's CA (a PEM file)"
        )
        return f"certificate of {where} could not be verified: {why}; {hint}"

    def _http_error(self, response: httpx.Response) -> ProviderUnavailable:
        status = response.status_code
        said = _error_text(_json_or_none(response)) or response.text.strip()[:200] or response.reason_phrase
        url = str(response.request.url)
        if status in (401, 403):
            hint = (
                "the server rejected the API key in the keyring (lan.api_key)"
                if "Authorization" in response.request.headers
                else "the server wants an API key: `quire secret set lan.api_key`"
            )
            reason = f"HTTP {status}: {hint}"
        elif status == 404:
            reason = f"HTTP 404 from {url}: not found (check providers.lan.url, often …/v1, and the model)"
        elif status == 429:
            reason = "HTTP 429: the server is busy (rate limited); try again shortly"
        elif status >= 500:
            reason = f"HTTP {status}: the server failed"
        else:
            reason = f"HTTP {status} from {url}"
        return ProviderUnavailable(self.name, f"{reason} — server said: {said}")


def _sse_data(lines: Iterator[str]) -> Iterator[str]:
    """The data of each server-sent event; malformed lines are logged and skipped."""
    for line in lines:
        line = line.strip()
        if not line or line.startswith(":"):  # keep-alive or comment
            continue
        if line.startswith("data:"):
            yield line[5:].strip()
        elif line.split(":", 1)[0] not in {"event", "id", "retry"}:
            log.warning("lan: skipped a malformed stream line: %s", private(line[:120]))


def _parse_chunk(data: str) -> dict[str, Any] | None:
    try:
        chunk = json.loads(data)
    except ValueError:
        log.warning("lan: skipped a stream event that is not JSON: %s", private(data[:120]))
        return None
    if not isinstance(chunk, dict):
        log.warning("lan: skipped a stream event that is not an object: %s", private(data[:120]))
        return None
    return chunk


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _error_text(body: Any) -> str:
    """The server's own words: OpenAI's {"error": {"message"}}, Ollama's {"error": str}, FastAPI's detail."""
    if not isinstance(body, dict):
        return ""
    error = body.get("error", body.get("detail", body.get("message")))
    if isinstance(error, dict):
        error = error.get("message") or error.get("msg") or json.dumps(error)
    if isinstance(error, list) and error and isinstance(error[0], dict):
        error = error[0].get("msg", error[0])
    return str(error) if error else ""


def _mid_stream(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.ReadTimeout):
        return "the server stopped sending mid-answer (read timeout)"
    return f"the server closed the connection mid-answer ({exc})"


def _root_cause(exc: BaseException) -> BaseException:
    seen = exc
    while seen.__cause__ is not None or seen.__context__ is not None:
        seen = seen.__cause__ or seen.__context__  # type: ignore[assignment]
    return seen


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else None
