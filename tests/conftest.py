"""Shared fixtures: an isolated data dir per test, a guard that fails any non-loopback network
call, and a small real library (generated PDFs, decks and notes) indexed once per session."""

from __future__ import annotations

import os
import shutil
import socket
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fixtures import make_corpus  # noqa: E402
from helpers import DEFAULT_MODEL  # noqa: E402

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _is_local(address: object) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    if isinstance(address, tuple) and address:
        host = str(address[0])
        return host in {"localhost", "::1"} or host.startswith("127.")
    return False


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Quire makes no network call the user did not configure: any non-loopback connect fails."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def guarded_connect(self: socket.socket, address: object) -> object:
        if not _is_local(address):
            raise AssertionError(f"unexpected network connection to {address!r}")
        return real_connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: object) -> int:
        if not _is_local(address):
            raise AssertionError(f"unexpected network connection to {address!r}")
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)


@pytest.fixture(autouse=True)
def quire_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "quire-home"
    monkeypatch.setenv("QUIRE_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="session")
def library_home(tmp_path_factory: pytest.TempPathFactory, corpus: dict[str, Path]) -> Path:
    """A data dir with the corpus indexed once; tests use copies (the `library` fixture)."""
    from quire.config import Settings
    from quire.core import Quire

    home = tmp_path_factory.mktemp("library-home")
    quire = Quire(Settings.load(home))
    summary = quire.ingest([corpus["pdf"].parent])
    assert summary.added == 4 and not summary.failed
    return home


@pytest.fixture
def library(library_home: Path, quire_home: Path):  # type: ignore[no-untyped-def]
    """A Quire over a private copy of the indexed corpus."""
    from quire.config import Settings
    from quire.core import Quire

    # the library only: answers recorded by other tests must not leak into this one's metrics
    shutil.copytree(library_home, quire_home, ignore=shutil.ignore_patterns("metrics.sqlite3*"))
    return Quire(Settings.load(quire_home))


@pytest.fixture(scope="session")
def default_model() -> Path:
    if not DEFAULT_MODEL.exists():
        pytest.fail(f"{DEFAULT_MODEL} is missing: run `make models`")
    return DEFAULT_MODEL
