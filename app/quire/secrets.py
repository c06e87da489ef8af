"""Secrets (LAN API key, Oracle password, OCI key passphrase, Hub token) live only in a secure OS keyring.

When keyring has no backend, a do-nothing one, or one that writes plain files, Quire refuses to
store secrets and says how to get a real keyring: never a silent plaintext fallback.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from dataclasses import dataclass

from quire.errors import ConfigError
from quire.logfile import register_secret

log = logging.getLogger(__name__)

SERVICE = "Quire"
NAMES = ("lan.api_key", "oracle.password", "oracle.wallet_password", "oci.key_passphrase", "hub.token")

# Backends that keep secrets encrypted by the operating system (keyring's own, by module).
SECURE_BACKENDS = {
    "keyring.backends.SecretService": "Secret Service (GNOME Keyring, KWallet, KeePassXC)",
    "keyring.backends.libsecret": "libsecret (Secret Service)",
    "keyring.backends.kwallet": "KWallet",
    "keyring.backends.macOS": "macOS Keychain",
    "keyring.backends.Windows": "Windows Credential Locker",
}


class KeyringUnavailable(ConfigError):
    """No secure OS keyring: the secret is not stored anywhere."""


@dataclass(frozen=True)
class KeyringStatus:
    backend: str  # e.g. "keyring.backends.SecretService.Keyring"
    label: str  # what a person calls it, e.g. "Secret Service (GNOME Keyring, KWallet, KeePassXC)"
    secure: bool  # Quire will store secrets in it
    known: bool  # one of SECURE_BACKENDS (a third-party backend is used but cannot be vouched for)
    reason: str | None = None  # why not, when not secure


def how_to_get_one() -> str:
    if sys.platform == "darwin":
        return "the macOS Keychain normally works out of the box: check that the login keychain is unlocked"
    if sys.platform == "win32":
        return "Windows Credential Locker normally works out of the box: check the Credential Manager service"
    return (
        "on Linux, install and start a Secret Service keyring in your desktop session (GNOME Keyring: "
        "`sudo apt install gnome-keyring`, or KWallet), and make sure D-Bus is running; "
        "macOS Keychain and Windows Credential Locker work out of the box"
    )


def _backend_status(backend: object) -> KeyringStatus:
    from keyring.backends import chainer, fail, null

    kind = type(backend)
    module = kind.__module__
    name = f"{module}.{kind.__name__}"
    if isinstance(backend, chainer.ChainerBackend):
        inner = [_backend_status(b) for b in getattr(backend, "backends", [])]
        if not inner:
            return KeyringStatus(name, "no keyring (empty chain)", False, True, "keyring found no backend")
        unsafe = [s for s in inner if not s.secure]
        if unsafe:  # the chain writes to the first backend that takes it: maybe the unsafe one
            return KeyringStatus(name, "chain of keyrings", False, True, unsafe[0].reason)
        return KeyringStatus(name, " + ".join(s.label for s in inner), True, all(s.known for s in inner))
    if isinstance(backend, fail.Keyring | null.Keyring):
        return KeyringStatus(name, "no keyring", False, True, "keyring found no usable OS keyring backend")
    if module.startswith("keyrings.alt") or "plaintext" in name.lower():
        return KeyringStatus(
            name, kind.__name__, False, True, f"{kind.__name__} keeps secrets in a file, not an OS keyring"
        )
    if module in SECURE_BACKENDS:
        return KeyringStatus(name, SECURE_BACKENDS[module], True, True)
    return KeyringStatus(name, kind.__name__, True, False)  # a third-party backend the user chose


def keyring_status() -> KeyringStatus:
    """Which keyring backend is in use and whether Quire will trust it with secrets."""
    import keyring

    try:
        backend = keyring.get_keyring()
    except Exception as exc:  # a broken keyringrc.cfg or backend import
        return KeyringStatus("?", "no keyring", False, True, f"keyring failed to start ({exc})")
    return _backend_status(backend)


def _secure_keyring():  # type: ignore[no-untyped-def]
    """The keyring module and its error class; KeyringUnavailable when it would not keep secrets safe."""
    status = keyring_status()
    if not status.secure:
        raise KeyringUnavailable(
            f"no secure OS keyring is available ({status.reason}; backend {status.backend}), so nothing "
            f"was stored. Quire keeps secrets only in the OS keyring, never in a file: {how_to_get_one()}"
        )
    import keyring
    from keyring.errors import KeyringError

    return keyring, KeyringError


def require_secure_keyring() -> None:
    """Raise KeyringUnavailable (with how to get a keyring) unless secrets can be stored safely."""
    _secure_keyring()


def _check(name: str) -> None:
    if name not in NAMES:
        raise ConfigError(f"unknown secret {name!r} (one of: {', '.join(NAMES)})")


def set_secret(name: str, value: str) -> None:
    """Store a secret in the OS keyring; KeyringUnavailable when there is no secure one."""
    _check(name)
    register_secret(value)
    keyring, error = _secure_keyring()
    try:
        keyring.set_password(SERVICE, name, value)
    except error as exc:
        raise ConfigError(f"the OS keyring refused to store {name}: {exc}") from None


def get_secret(name: str) -> str | None:
    """The secret, or None when it is not set or no secure keyring is available."""
    _check(name)
    try:
        keyring, error = _secure_keyring()
    except KeyringUnavailable as exc:
        log.debug("%s not read: %s", name, exc)
        return None
    try:
        value = keyring.get_password(SERVICE, name)
    except error:
        return None
    register_secret(value)  # from now on the log never shows it
    return value


def delete_secret(name: str) -> None:
    _check(name)
    try:
        keyring, error = _secure_keyring()
    except KeyringUnavailable:
        return  # nothing can have been stored
    with contextlib.suppress(error):  # already absent is fine
        keyring.delete_password(SERVICE, name)
