"""The Oracle store without a server: SQL text, bind values, error sentences from real oracledb
exceptions, and the store modes against the driver's own errors (closed and silent loopback ports)."""

from __future__ import annotations

import array
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import oracledb
import pytest
from store_helpers import DIM, EMBEDDER, chunks_for, unit

from quire.cli import main as cli_main
from quire.config import Settings
from quire.core import Quire
from quire.errors import StoreError
from quire.search.stores import OFFLINE, choose_store
from quire.search.stores.base import StoreUnreachable
from quire.search.stores.oracle import OracleConfig, OracleStore, _require_23ai
from quire.search.stores.oracle_errors import error_code, explain, is_vector_memory_missing
from quire.search.stores.oracle_sql import OracleSql, chunk_rows, oracle_text_query, vector_bind


def ora(message: str) -> oracledb.DatabaseError:
    """An exception exactly as the driver raises it for a server error."""
    return oracledb.DatabaseError(oracledb._Error(message))


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the block ends: connects are refused


@pytest.fixture
def silent_port() -> Iterator[int]:
    """Accepts TCP and never says a word, like a hung listener or a stuck proxy."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        yield listener.getsockname()[1]


def test_sql_uses_the_prefix_dimension_and_vector_clauses() -> None:
    sql = OracleSql("quire", DIM)
    tables = dict(sql.create_tables())
    assert list(tables) == ["QUIRE_META", "QUIRE_DOCUMENTS", "QUIRE_CHUNKS"]
    assert "embedding VECTOR(384, FLOAT32) NOT NULL" in tables["QUIRE_CHUNKS"]
    assert "ON DELETE CASCADE" in tables["QUIRE_CHUNKS"]
    assert "ORGANIZATION INMEMORY NEIGHBOR GRAPH DISTANCE COSINE" in sql.create_vector_index("HNSW")
    assert "ORGANIZATION NEIGHBOR PARTITIONS DISTANCE COSINE" in sql.create_vector_index("IVF")
    assert "INDEXTYPE IS CTXSYS.CONTEXT" in sql.create_text_index()
    nearest = sql.nearest()
    assert "ORDER BY VECTOR_DISTANCE(embedding, :q, COSINE) FETCH APPROX FIRST :k ROWS ONLY" in nearest
    assert sql.insert_chunk().count(":") == 8


@pytest.mark.parametrize("prefix", ["x; DROP TABLE users", "1abc", "a" * 21, "", "QUIRE-1"])
def test_a_prefix_that_is_not_a_plain_identifier_is_refused(prefix: str) -> None:
    with pytest.raises(StoreError, match="oracle.table_prefix"):
        OracleSql(prefix, DIM)


def test_binds_vectors_as_float32_arrays_and_rows_in_column_order() -> None:
    vector = unit(1)
    bound = vector_bind(vector)
    assert isinstance(bound, array.array) and bound.typecode == "f" and len(bound) == DIM
    assert np.array_equal(np.frombuffer(bound, dtype=np.float32), vector)
    assert vector_bind([0.5, 1.0]).tolist() == [0.5, 1.0]
    chunks = chunks_for("/n.md", ["one", "two"])
    long_heading = chunks[0].__class__(**{**chunks[0].__dict__, "heading": "h" * 5000})
    rows = chunk_rows([long_heading, chunks[1]], np.stack([unit(1), unit(2)]))
    assert rows[0][2:6] == (0, 1, None, "h" * 1000)  # idx, page, slide, clipped heading
    assert rows[1][2:7] == (1, None, 2, None, "two")
    with pytest.raises(StoreError, match="2 chunks but 1 vectors"):
        chunk_rows(chunks, unit(1)[None, :])


def test_oracle_text_query_keeps_operators_and_reserved_words_literal() -> None:
    assert oracle_text_query("NEAR the pump, AND valve-7?") == "{near}, {the}, {pump}, {and}, {valve}, {7}"
    assert oracle_text_query("?!") is None


def test_error_sentences_name_the_database_cause_and_fix() -> None:
    dsn, user = "db.example.org:1521/FREEPDB1", "scott"
    login = explain(ora("ORA-01017: invalid credential or not authorized; logon denied"), dsn, user)
    assert "refused the login of scott (ORA-01017)" in str(
        login
    ) and "quire secret set oracle.password" in str(login)
    privilege = explain(ora("ORA-01031: insufficient privileges"), dsn, user, "creating table QUIRE_CHUNKS")
    assert "lacks a privilege while creating table QUIRE_CHUNKS (ORA-01031)" in str(privilege)
    assert "DB_DEVELOPER_ROLE" in str(privilege)
    old = explain(ora("ORA-00902: invalid datatype"), dsn, user)
    assert "Oracle Database 23ai or later is needed" in str(old)
    expired = explain(ora("ORA-28001: the password has expired"), dsn, user)
    assert "expired" in str(expired)
    dropped = explain(ora("ORA-03113: end-of-file on communication channel"), dsn, user, "writing /a.pdf")
    assert isinstance(dropped, StoreUnreachable) and "cannot be reached while writing /a.pdf" in str(dropped)
    memory = ora("ORA-51962: The vector memory area is out of space for the current container.")
    assert is_vector_memory_missing(memory) and error_code(memory) == "ORA-51962"
    assert not is_vector_memory_missing(ora("ORA-01031: insufficient privileges"))
    other = explain(ora("ORA-00942: table or view does not exist"), dsn, user)
    assert str(other) == f"Oracle at {dsn}: ORA-00942: table or view does not exist"
    with pytest.raises(StoreError, match="version 19.3.0.0.0: Oracle Database 23ai or later is needed"):
        _require_23ai("19.3.0.0.0", dsn)
    _require_23ai("23.5.0.24.7", dsn)


def test_a_refused_connection_is_a_clear_store_error(closed_port: int) -> None:
    dsn = f"127.0.0.1:{closed_port}/FREEPDB1"
    with pytest.raises(StoreUnreachable) as caught:
        OracleStore(OracleConfig(dsn, "quire", "pw", connect_timeout_s=2), EMBEDDER, DIM)
    message = str(caught.value)
    assert message.startswith(f"Oracle at {dsn} cannot be reached while opening the library")
    assert "DPY-6005" in message and "refused" in message.lower()
    assert "CONNECTION_ID" not in message
    assert isinstance(caught.value.__cause__, oracledb.OperationalError)  # the driver's own error


def test_a_silent_listener_does_not_hang_the_app(silent_port: int) -> None:
    started = time.monotonic()
    with pytest.raises(StoreUnreachable, match="did not answer within 1 s"):
        OracleStore(
            OracleConfig(f"127.0.0.1:{silent_port}/X", "u", "pw", connect_timeout_s=0.5), EMBEDDER, DIM
        )
    assert time.monotonic() - started < 5


def test_missing_settings_are_named_before_any_connection(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no password for quire in the OS keyring"):
        OracleConfig("h:1521/S", "quire", None).pool_params()
    with pytest.raises(StoreError, match="set oracle.user"):
        OracleConfig("h:1521/S", "", "pw").pool_params()
    w = str(tmp_path)
    (tmp_path / "ewallet.pem").write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    wallet = OracleConfig(
        "db.example:1522/mydb_high", "admin", "pw", config_dir=w, wallet_location=w, wallet_password="wp"
    )
    params = wallet.pool_params()
    assert (params["config_dir"], params["wallet_location"], params["wallet_password"]) == (w, w, "wp")
    assert "config_dir" not in OracleConfig("h/S", "u", "pw").pool_params()


def _settings(home: Path, backend: str, dsn: str) -> Settings:
    settings = Settings.load(home)
    for key, value in {"store.backend": backend, "oracle.dsn": dsn, "oracle.user": "quire"}.items():
        settings.set(key, value)
    settings.set("oracle.connect_timeout_s", 1.0)
    settings.save()
    return settings


def test_auto_mode_falls_back_to_the_local_library_with_a_notice(
    quire_home: Path, closed_port: int, no_keyring_secrets: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    no_keyring_secrets["oracle.password"] = "pw"
    dsn = f"127.0.0.1:{closed_port}/FREEPDB1"
    quire = Quire(_settings(quire_home, "auto", dsn))
    assert quire.store.name == "chroma"
    assert quire.store_notice is not None and quire.store_notice.startswith(OFFLINE)
    assert dsn in quire.store_notice and "DPY-6005" in quire.store_notice
    quire.store.upsert(["c0"], unit(0)[None, :], ["/a.md"])  # the local library works as usual
    assert quire.store.count() == 1

    assert cli_main(["status", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["store"] == "chroma" and report["store_mode"] == "auto"
    assert report["store_notice"].startswith(OFFLINE)
    assert cli_main(["status"]) == 0
    assert OFFLINE in capsys.readouterr().out

    del no_keyring_secrets["oracle.password"]  # no password: also local, and says what to do
    choice = choose_store(Settings.load(quire_home), EMBEDDER, DIM)
    assert choice.store.name == "chroma" and "quire secret set oracle.password" in str(choice.notice)


def test_oracle_mode_fails_clearly_and_sync_says_why(
    quire_home: Path, closed_port: int, no_keyring_secrets: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    no_keyring_secrets["oracle.password"] = "pw"
    dsn = f"127.0.0.1:{closed_port}/FREEPDB1"
    quire = Quire(_settings(quire_home, "oracle", dsn))
    with pytest.raises(StoreError, match=rf"Oracle at {dsn} cannot be reached .*DPY-6005"):
        quire.store  # noqa: B018
    assert quire.status(providers=False)["store_notice"].startswith(f"Oracle at {dsn} cannot be reached")
    assert cli_main(["sync", "--json"]) == 1
    assert f"quire: Oracle at {dsn} cannot be reached" in capsys.readouterr().err
    assert cli_main(["search", "anything"]) == 1  # no silent fallback in oracle mode


def test_chroma_mode_never_touches_oracle(quire_home: Path) -> None:
    quire = Quire(_settings(quire_home, "chroma", "127.0.0.1:9/NOPE"))
    assert quire.store.name == "chroma" and quire.store_notice is None
