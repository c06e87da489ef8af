"""The toolbar toggle's choice: one provider, or `auto`, an ordered, health-checked chain."""

from __future__ import annotations

from quire.config import Settings
from quire.errors import ProviderUnavailable
from quire.providers.base import Provider, ProviderHealth

NAMES = ("local", "lan", "oci")
CHOICES = (*NAMES, "auto")


def make_provider(name: str, settings: Settings, model: str | None = None) -> Provider:
    if name == "local":
        from quire.providers.local import LocalProvider

        return LocalProvider(settings, model)
    if name in {"lan", "oci"}:
        raise ProviderUnavailable(name, "not available in this version of Quire yet")
    raise ProviderUnavailable(name, f"unknown provider (choose one of {', '.join(CHOICES)})")


def provider_chain(choice: str, settings: Settings, model: str | None = None) -> list[Provider]:
    """The providers to try in order: the chosen one, or for `auto` the configured order."""
    if choice != "auto":
        return [make_provider(choice, settings, model)]
    chain: list[Provider] = []
    for name in settings.get("providers.order"):
        try:
            provider = make_provider(name, settings, model if name == "local" else None)
        except ProviderUnavailable:
            continue
        chain.append(provider)
    if not chain:
        raise ProviderUnavailable("auto", "no provider in providers.order can be used")
    return chain


def health_report(settings: Settings) -> dict[str, ProviderHealth]:
    report: dict[str, ProviderHealth] = {}
    for name in NAMES:
        try:
            report[name] = make_provider(name, settings).health()
        except ProviderUnavailable as exc:
            report[name] = ProviderHealth(False, "", exc.reason)
    return report
