"""Secrets (LAN API key, Oracle password, OCI key passphrase) live only in the OS keyring."""

from __future__ import annotations

import contextlib

from quire.errors import ConfigError

SERVICE = "Quire"
NAMES = ("lan.api_key", "oracle.password", "oracle.wallet_password", "oci.key_passphrase")


def _keyring():  # type: ignore[no-untyped-def]
    import keyring
    from keyring.errors import KeyringError

    return keyring, KeyringError


def _check(name: str) -> None:
    if name not in NAMES:
        raise ConfigError(f"unknown secret {name!r} (one of: {', '.join(NAMES)})")


def set_secret(name: str, value: str) -> None:
    _check(name)
    keyring, error = _keyring()
    try:
        keyring.set_password(SERVICE, name, value)
    except error as exc:
        raise ConfigError(f"the OS keyring refused to store {name}: {exc}") from None


def get_secret(name: str) -> str | None:
    """The secret, or None when it is not set or no keyring is available."""
    _check(name)
    keyring, error = _keyring()
    try:
        return keyring.get_password(SERVICE, name)
    except error:
        return None


def delete_secret(name: str) -> None:
    _check(name)
    keyring, error = _keyring()
    with contextlib.suppress(error):  # already absent is fine
        keyring.delete_password(SERVICE, name)
