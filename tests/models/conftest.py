"""Model fixtures: the shipped GGUF, a loopback Hub serving its real bytes, and a LoRA adapter for it
built offline with the llama.cpp converter that llama-cpp-python's source vendors."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "providers"))  # its loopback HTTP servers

from hub_server import Hub, HubFile, loopback_hub  # noqa: E402

from helpers import DEFAULT_MODEL  # noqa: E402


@pytest.fixture(scope="session")
def smol() -> Path:
    if not DEFAULT_MODEL.exists():
        pytest.fail(f"{DEFAULT_MODEL} is missing: run `make models`")
    return DEFAULT_MODEL.resolve()


@pytest.fixture(scope="session")
def smol_bytes(smol: Path) -> bytes:
    return smol.read_bytes()


@pytest.fixture
def hub(smol: Path, smol_bytes: bytes) -> Iterator[Hub]:
    """test/smol (the real file), test/corrupt (other bytes, the real hash), test/slow (8 MB/s)."""
    with loopback_hub() as server:
        server.add("test/smol", smol.name, HubFile(smol_bytes))
        server.add("test/corrupt", smol.name, HubFile(smol_bytes, corrupt=True))
        server.add("test/slow", smol.name, HubFile(smol_bytes, rate_bps=8 * 2**20))
        yield server


@pytest.fixture
def settings(quire_home: Path, hub: Hub):  # type: ignore[no-untyped-def]
    from quire.config import Settings

    settings = Settings.load(quire_home)
    settings.set("models.hub_endpoint", hub.url)
    settings.save()
    return settings
