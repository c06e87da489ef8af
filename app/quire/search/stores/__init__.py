"""Pick the vector store from settings (store.backend): chroma, oracle, or auto (Oracle when it
answers within oracle.connect_timeout_s, else the local library with a notice saying so)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from quire.config import Settings
from quire.errors import StoreError
from quire.search.stores.base import EmbedderMismatch, SyncableStore, VectorStore

if TYPE_CHECKING:
    from quire.search.stores.oracle import OracleStore

log = logging.getLogger(__name__)

OFFLINE = "offline — using local library"
MODES = ("chroma", "oracle", "auto")


@dataclass(frozen=True)
class StoreChoice:
    """The store searches use, the local one imports write to, and why (for status and the GUI)."""

    mode: str  # the setting: chroma | oracle | auto
    store: VectorStore  # answers searches: Oracle when in use, else the local store
    local: SyncableStore  # always Chroma: every import lands here first
    oracle: OracleStore | None = None  # set when Oracle is in use
    notice: str | None = None  # e.g. "offline — using local library (Oracle at …: …)"

    @property
    def name(self) -> str:
        return self.store.name


def open_local_store(settings: Settings, embedder_name: str, dim: int) -> SyncableStore:
    from quire.search.stores.chroma import ChromaStore

    return ChromaStore(settings.chroma_dir, embedder_name, dim)


def open_oracle_store(settings: Settings, embedder_name: str, dim: int) -> OracleStore:
    from quire.search.stores.oracle import OracleConfig, OracleStore

    return OracleStore(OracleConfig.from_settings(settings), embedder_name, dim)


def choose_store(settings: Settings, embedder_name: str, dim: int) -> StoreChoice:
    mode = settings.get("store.backend")
    if mode not in MODES:
        raise StoreError(f"store.backend must be chroma, oracle or auto, not {mode!r}")
    oracle = None
    notice = None
    if mode == "oracle":
        oracle = open_oracle_store(settings, embedder_name, dim)  # unreachable: StoreError, no fallback
    elif mode == "auto" and settings.get("oracle.dsn"):
        try:
            oracle = open_oracle_store(settings, embedder_name, dim)
        except EmbedderMismatch:
            raise  # a wrong embedder is not "offline": quietly searching elsewhere would hide it
        except StoreError as err:
            notice = f"{OFFLINE} ({err})"
            log.warning("%s", notice)
    local = open_local_store(settings, embedder_name, dim)
    return StoreChoice(mode, oracle or local, local, oracle, notice)


def open_store(settings: Settings, embedder_name: str, dim: int) -> VectorStore:
    return choose_store(settings, embedder_name, dim).store
