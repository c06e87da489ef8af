"""Helpers the store tests share (a module of its own: test folders' conftest modules clash by name)."""

from __future__ import annotations

import contextlib
import os

import numpy as np

from quire.library.chunking import Chunk

DIM = 384
EMBEDDER = "all-MiniLM-L6-v2"
ORACLE_DSN = os.environ.get("QUIRE_TEST_ORACLE_DSN", "")
ORACLE_USER = os.environ.get("QUIRE_TEST_ORACLE_USER", "")
ORACLE_PASSWORD = os.environ.get("QUIRE_TEST_ORACLE_PASSWORD", "")
# `make test-oracle` sets these: which vector index to build (auto|hnsw|ivf), and whether the
# database must have Oracle Text (the regular gvenzl/oracle-free:23 image has it; -slim does not)
ORACLE_VECTOR_INDEX = os.environ.get("QUIRE_TEST_ORACLE_VECTOR_INDEX", "auto")
ORACLE_REQUIRE_TEXT = bool(os.environ.get("QUIRE_TEST_ORACLE_REQUIRE_TEXT"))
NO_ORACLE = (
    "live Oracle test skipped: no database configured (run `make test-oracle`, which starts one in "
    "docker/podman, or set QUIRE_TEST_ORACLE_DSN, QUIRE_TEST_ORACLE_USER and QUIRE_TEST_ORACLE_PASSWORD)"
)


def unit(seed: int, dim: int = DIM) -> np.ndarray:
    vector = np.random.default_rng(seed).standard_normal(dim).astype(np.float32)
    return vector / np.linalg.norm(vector)


def chunks_for(path: str, texts: list[str], sha: str = "a" * 64) -> list[Chunk]:
    prefix = (sha[:8] + str(abs(hash(path)) % 10**8)).ljust(16, "0")
    return [
        Chunk(
            id=f"{prefix}-{n}",
            path=path,
            index=n,
            text=text,
            page=n + 1 if n % 2 == 0 else None,
            slide=n + 1 if n % 2 else None,
            heading=f"Heading {n}" if n != 1 else None,
        )
        for n, text in enumerate(texts)
    ]


def oracle_config(prefix: str):  # type: ignore[no-untyped-def]
    from quire.search.stores.oracle import OracleConfig

    return OracleConfig(
        dsn=ORACLE_DSN,
        user=ORACLE_USER,
        password=ORACLE_PASSWORD,
        connect_timeout_s=10,
        table_prefix=prefix,
        vector_index=ORACLE_VECTOR_INDEX,
    )


def check_oracle_indexes(store) -> None:  # type: ignore[no-untyped-def]
    """The index kinds `make test-oracle` asked for are the ones in use."""
    if ORACLE_VECTOR_INDEX != "auto":
        assert store.index_kind == ORACLE_VECTOR_INDEX.upper(), store.describe()
    if ORACLE_REQUIRE_TEXT:
        assert store.has_text_index, store.describe()


def drop_tables(prefix: str) -> None:
    import oracledb

    with oracledb.connect(user=ORACLE_USER, password=ORACLE_PASSWORD, dsn=ORACLE_DSN) as conn:
        cursor = conn.cursor()
        for table in ("CHUNKS", "DOCUMENTS", "META"):
            with contextlib.suppress(oracledb.DatabaseError):  # never created: nothing to drop
                cursor.execute(f"DROP TABLE {prefix}_{table} CASCADE CONSTRAINTS PURGE")
