"""Stores under test: Chroma always; Oracle when QUIRE_TEST_ORACLE_DSN (+ _USER, _PASSWORD) names
a 23ai database (e.g. the free container, localhost:1521/FREEPDB1). Each Oracle test gets its own
table prefix and drops its tables afterwards."""

from __future__ import annotations

import secrets
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from store_helpers import (
    DIM,
    EMBEDDER,
    NO_ORACLE,
    ORACLE_DSN,
    check_oracle_indexes,
    drop_tables,
    oracle_config,
)


@pytest.fixture(autouse=True)
def no_keyring_secrets(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Secrets come from this dict, not the developer's real keyring."""
    found: dict[str, str] = {}
    monkeypatch.setattr("quire.secrets.get_secret", lambda name: found.get(name))
    return found


@pytest.fixture(autouse=True)
def oracle_host_allowed(no_network: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The network guard stays on; only the test database's own host is let through."""
    if not ORACLE_DSN:
        return
    guarded = socket.socket.connect
    host = ORACLE_DSN.split("/")[0].split(":")[0].strip("[]@ ")
    allowed = {info[4][0] for info in socket.getaddrinfo(host, None)} | {host}

    def connect(self: socket.socket, address: object) -> object:
        if isinstance(address, tuple) and address and str(address[0]) in allowed:
            return _REAL_CONNECT(self, address)
        return guarded(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)


_REAL_CONNECT = socket.socket.connect  # captured at import, before any test patches it


@pytest.fixture
def oracle_prefix() -> Iterator[str]:
    if not ORACLE_DSN:
        pytest.skip(NO_ORACLE)
    prefix = "QT" + secrets.token_hex(4).upper()
    yield prefix
    drop_tables(prefix)


@pytest.fixture(params=["chroma", "oracle"])
def store(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Each implementation of the store protocol, empty."""
    if request.param == "chroma":
        from quire.search.stores.chroma import ChromaStore

        yield ChromaStore(tmp_path / "chroma", EMBEDDER, DIM)
        return
    from quire.search.stores.oracle import OracleStore

    prefix = request.getfixturevalue("oracle_prefix")
    oracle = OracleStore(oracle_config(prefix), EMBEDDER, DIM)
    check_oracle_indexes(oracle)
    yield oracle
    oracle.close()
