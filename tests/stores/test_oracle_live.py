"""Against a real Oracle Database 23ai (`make test-oracle`; skipped, saying why, without one):
two clients racing on a new library and on the same new file, an IVF index rebuilt once there is
data, and a failed Oracle Text index repaired instead of trusted."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import oracledb
import pytest
from store_helpers import (
    DIM,
    EMBEDDER,
    ORACLE_DSN,
    ORACLE_PASSWORD,
    ORACLE_USER,
    chunks_for,
    oracle_config,
    unit,
)

from quire.search.stores.base import StoredDocument
from quire.search.stores.oracle import OracleStore
from quire.search.stores.oracle_schema import IVF_ROWS


def at_once(*works: Callable[[], Any]) -> list[Any]:
    """Run each in its own thread, released together; their results, or raise the first error."""
    gate = threading.Barrier(len(works))
    results: list[Any] = [None] * len(works)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        gate.wait()
        try:
            results[i] = works[i]()
        except BaseException as exc:  # noqa: BLE001 (re-raised below)
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(works))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    if errors:
        raise errors[0]
    return results


def test_two_clients_opening_a_new_library_at_once_both_succeed(oracle_prefix: str) -> None:
    def open_store() -> OracleStore:
        return OracleStore(oracle_config(oracle_prefix), EMBEDDER, DIM)

    stores = at_once(open_store, open_store)
    try:
        for store in stores:
            store.check_embedder(EMBEDDER, DIM)
            assert store.index_kind in ("HNSW", "IVF")
    finally:
        for store in stores:
            store.close()


def test_two_clients_pushing_the_same_new_file_at_once_both_succeed(oracle_prefix: str) -> None:
    first = OracleStore(oracle_config(oracle_prefix), EMBEDDER, DIM)
    second = OracleStore(oracle_config(oracle_prefix), EMBEDDER, DIM)
    doc = StoredDocument("/team/plan.md", "e" * 64, "md", 10, 1)
    chunks = chunks_for(doc.path, ["Launch in May.", "Budget 40k."], sha="e" * 64)
    vectors = np.stack([unit(1), unit(2)])
    try:
        at_once(lambda: first.put_file(doc, chunks, vectors), lambda: second.put_file(doc, chunks, vectors))
        stored = first.read_file(doc.path)
        assert stored is not None and stored.chunks == chunks and first.count() == 2
    finally:
        first.close()
        second.close()


def test_an_ivf_index_built_on_an_empty_table_is_rebuilt_once_there_is_data(oracle_prefix: str) -> None:
    config = oracle_config(oracle_prefix)
    store = OracleStore(config.__class__(**{**config.__dict__, "vector_index": "ivf"}), EMBEDDER, DIM)
    try:
        assert store.index_kind == "IVF" and store._meta.get(IVF_ROWS) in (None, "0")
        doc = StoredDocument("/a.md", "a" * 64, "md", 1, 1)
        texts = [f"part {n}" for n in range(8)]
        store.put_file(doc, chunks_for(doc.path, texts), np.stack([unit(n) for n in range(8)]))
        assert store.refresh_vector_index() is True
        assert store._meta[IVF_ROWS] == "8"
        assert store.refresh_vector_index() is False  # not again until the table doubles
        assert store.query(unit(3), 1)[0][0].endswith("-3")
    finally:
        store.close()


def test_a_failed_oracle_text_index_is_rebuilt_not_trusted(oracle_prefix: str) -> None:
    store = OracleStore(oracle_config(oracle_prefix), EMBEDDER, DIM)
    name = store.sql.text_index_name
    if not store.has_text_index:
        store.close()
        pytest.skip(f"this database has no Oracle Text ({store.describe()}); `make test-oracle` has it")
    store.close()
    with oracledb.connect(user=ORACLE_USER, password=ORACLE_PASSWORD, dsn=ORACLE_DSN) as conn:
        cursor = conn.cursor()
        cursor.execute(f"DROP INDEX {name}")
        with pytest.raises(oracledb.DatabaseError):  # a bad preference: the build fails, the name stays
            cursor.execute(
                f"CREATE INDEX {name} ON {store.sql.chunks} (text) INDEXTYPE IS CTXSYS.CONTEXT "
                "PARAMETERS ('LEXER quire_no_such_lexer')"
            )
        cursor.execute("SELECT domidx_opstatus FROM user_indexes WHERE index_name = :n", n=name)
        assert cursor.fetchone() == ("FAILED",)
    repaired = OracleStore(oracle_config(oracle_prefix), EMBEDDER, DIM)
    try:
        assert repaired.has_text_index, repaired.describe()
        doc = StoredDocument("/birds.md", "b" * 64, "md", 1, 1)
        repaired.put_file(doc, chunks_for(doc.path, ["Puffins nest on the cliffs."]), unit(4)[None, :])
        assert len(repaired.text_search("puffins", 5)) == 1
    finally:
        repaired.close()
