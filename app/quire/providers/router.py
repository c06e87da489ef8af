"""The toolbar toggle's choice: one provider, or `auto`, an ordered, health-checked chain."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

from quire.config import Settings
from quire.errors import ProviderUnavailable
from quire.providers.base import Message, Provider, ProviderHealth, SamplingOptions, TokenEvent

NAMES = ("local", "lan", "oci")
CHOICES = (*NAMES, "auto")


def make_provider(name: str, settings: Settings, model: str | None = None) -> Provider:
    """The provider by name; ProviderUnavailable when it is not configured."""
    if name == "local":
        from quire.providers.local import LocalProvider

        return LocalProvider(settings, model)
    if name == "lan":
        from quire.providers.lan import LanProvider

        return LanProvider(settings, model)
    if name == "oci":
        from quire.providers.oci_genai import OciProvider

        return OciProvider(settings, model)
    raise ProviderUnavailable(name, f"unknown provider (choose one of {', '.join(CHOICES)})")


class HealthCache:
    """Health checks remembered for a few seconds, so `auto` does not probe a server per question."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str], tuple[float, ProviderHealth]] = {}

    def check(self, provider: Provider, ttl: float, key: str = "") -> ProviderHealth:
        now = time.monotonic()
        with self._lock:
            cached = self._seen.get((provider.name, key))
        if cached and now - cached[0] < ttl:
            return cached[1]
        health = provider.health()
        with self._lock:
            self._seen[(provider.name, key)] = (time.monotonic(), health)
        return health

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()


HEALTH = HealthCache()


class HealthChecked:
    """A provider in the `auto` chain: refuses to stream (so the chain moves on) while unhealthy."""

    def __init__(self, provider: Provider, ttl: float, key: str) -> None:
        self.inner = provider
        self.name = provider.name
        self._ttl = ttl
        self._key = key

    @property
    def model(self) -> str:
        return self.inner.model

    @property
    def context_tokens(self) -> int:
        return self.inner.context_tokens

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def health(self) -> ProviderHealth:
        return HEALTH.check(self.inner, self._ttl, self._key)

    @property
    def parameters(self) -> int | None:
        """The model's size where the provider knows it (the local model), for the answer profile."""
        return getattr(self.inner, "parameters", None)

    def stream(
        self, messages: list[Message], *, max_tokens: int, sampling: SamplingOptions
    ) -> Iterator[TokenEvent]:
        health = self.health()
        if not health.ok:
            raise ProviderUnavailable(self.name, health.error or "failed its health check")
        return self.inner.stream(messages, max_tokens=max_tokens, sampling=sampling)


def _cache_key(name: str, settings: Settings) -> str:
    """Settings that change who answers also change which cached health applies."""
    keys = [k for k, _ in settings.items() if k.startswith(f"providers.{name}.")]
    return "|".join(str(settings.get(k)) for k in keys)


def provider_chain(choice: str, settings: Settings, model: str | None = None) -> list[Provider]:
    """The providers to try in order: the chosen one, or for `auto` the configured order.

    `auto` skips providers that are not configured and checks each one's (cached) health just
    before using it; a chosen provider is used as is, so its own error reaches the user."""
    if choice != "auto":
        return [make_provider(choice, settings, model)]
    ttl = float(settings.get("providers.health_cache_s"))
    chain: list[Provider] = []
    skipped: list[str] = []
    for name in settings.get("providers.order"):
        try:
            provider = make_provider(name, settings, model if name == "local" else None)
        except ProviderUnavailable as exc:
            skipped.append(str(exc))
            continue
        chain.append(HealthChecked(provider, ttl, _cache_key(name, settings)))
    if not chain:
        detail = "; ".join(skipped) or "providers.order is empty"
        raise ProviderUnavailable("auto", f"no provider in providers.order can be used ({detail})")
    return chain


def health_report(settings: Settings) -> dict[str, ProviderHealth]:
    """Each provider's health now (for `quire status`); also refreshes what `auto` remembers."""
    report: dict[str, ProviderHealth] = {}
    for name in NAMES:
        try:
            provider = make_provider(name, settings)
        except ProviderUnavailable as exc:
            report[name] = ProviderHealth(False, "", exc.reason, configured=False)
            continue
        report[name] = HEALTH.check(provider, 0.0, _cache_key(name, settings))
    return report
