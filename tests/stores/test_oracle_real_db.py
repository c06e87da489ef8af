"""What a real Oracle database or a real Autonomous Database wallet would reject, checked without
one: the driver's floor, grants, error codes, index states, the SQL, a wallet alias's built-in
retries against the real driver, and a real wallet PEM opened with a wrong password."""

from __future__ import annotations

import datetime
import inspect
import re
import socket
import threading
import time
import tomllib
from pathlib import Path

import oracledb
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from packaging.requirements import Requirement
from packaging.version import Version
from store_helpers import DIM, EMBEDDER

from quire.errors import StoreError
from quire.search.stores.base import StoreUnreachable
from quire.search.stores.oracle import OracleConfig, OracleStore
from quire.search.stores.oracle_connect import check_wallet, first_contact, without_retries
from quire.search.stores.oracle_errors import (
    explain,
    hnsw_refuses_dml,
    is_duplicate_key,
    is_vector_index_error,
    text_index_unusable,
)
from quire.search.stores.oracle_schema import ivf_needs_rebuild, text_index_broken
from quire.search.stores.oracle_sql import OracleSql

ROOT = Path(__file__).resolve().parents[2]


def ora(message: str) -> oracledb.DatabaseError:
    return oracledb.DatabaseError(oracledb._Error(message))


def floor(package: str) -> Version:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for line in project["dependencies"]:
        requirement = Requirement(line)
        if requirement.name == package:
            [spec] = [s for s in requirement.specifier if s.operator == ">="]
            return Version(spec.version)
    raise AssertionError(f"{package} is not a dependency")


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# 1. fetch_lobs= exists from python-oracledb 3.4; before it, thin mode binds it (DPY-4008) -------


def test_the_driver_floor_has_execute_fetch_lobs() -> None:
    assert floor("oracledb") >= Version("3.4")
    assert "fetch_lobs" in inspect.signature(oracledb.Cursor.execute).parameters
    assert "fetch_lobs=False" in inspect.getsource(OracleStore.read_file)  # what the floor is for


# 2. The README's container must have Oracle Text: the -slim image uninstalls it ---------------


def test_the_documented_container_keeps_oracle_text() -> None:
    readme = (ROOT / "README.md").read_text()
    images = re.findall(r"gvenzl/oracle-free:([\w.-]+)", readme)
    assert images and all("slim" not in tag for tag in images), images
    script = (ROOT / "scripts" / "test_oracle.sh").read_text()
    assert "gvenzl/oracle-free:23" in script and "slim" not in script


# 3. Grants: CREATE INDEX is no system privilege (ORA-00990), CTXAPP is not needed -------------


def test_the_privilege_advice_is_grantable() -> None:
    message = str(
        explain(ora("ORA-01031: insufficient privileges"), "db:1521/X", "quire", "creating table T")
    )
    assert "GRANT DB_DEVELOPER_ROLE TO quire" in message and "QUOTA" in message
    assert "CREATE SESSION" in message and "CREATE TABLE" in message
    assert "CREATE INDEX" not in message and "CTXAPP" not in message
    no_session = explain(
        ora("ORA-01045: user QUIRE lacks CREATE SESSION privilege; logon denied"), "d", "quire"
    )
    assert "DB_DEVELOPER_ROLE" in str(no_session)
    readme = (ROOT / "README.md").read_text()
    assert "CTXAPP" not in readme and "CREATE INDEX" not in readme and "DB_DEVELOPER_ROLE" in readme


# 4, 5, 9. Codes the store acts on --------------------------------------------------------------


def test_the_codes_the_store_recovers_from() -> None:
    race = ora("ORA-00001: unique constraint (QUIRE.SYS_C008) violated on table QUIRE.QUIRE_META")
    assert is_duplicate_key(race) and not is_duplicate_key(ora("ORA-00955: name is already used"))
    assert hnsw_refuses_dml(ora("ORA-51928: DML is not supported on a table with an HNSW index"))
    assert text_index_unusable(ora("ORA-29861: domain index is marked LOADING/FAILED/UNUSABLE"))
    for code in ("ORA-51962", "ORA-51955", "ORA-51961", "ORA-51928"):  # any vector error: try IVF
        assert is_vector_index_error(ora(f"{code}: vector trouble"))
    assert not is_vector_index_error(ora("ORA-01031: insufficient privileges"))


def test_a_failed_oracle_text_index_is_not_healthy() -> None:
    assert text_index_broken(("VALID", "VALID", "VALID"), "INDEXED") is None
    assert text_index_broken(("VALID", "VALID", "VALID"), None) is None  # CTX views not readable
    assert text_index_broken(("VALID", "VALID", "FAILED"), None) == "FAILED"  # the name exists
    assert text_index_broken(("VALID", "VALID", "VALID"), "FAILED") == "FAILED"
    assert text_index_broken(("VALID", "IDXTYP_INVLD", "VALID"), None) == "IDXTYP_INVLD"
    assert text_index_broken(("UNUSABLE", "VALID", "VALID"), None) == "UNUSABLE"
    assert text_index_broken(("VALID", "VALID", "VALID"), "INDEXING") == "building"  # leave it be
    sql = OracleSql("quire", DIM)
    assert sql.drop_index(sql.text_index_name, force=True) == "DROP INDEX QUIRE_CHUNKS_TEXT FORCE"
    assert "domidx_opstatus" in sql.index_states() and "QUIRE_CHUNKS" in sql.index_states()


# 6. Vector index choice and the IVF rebuild once there is data ---------------------------------


def test_an_ivf_index_is_rebuilt_once_the_library_has_data() -> None:
    assert ivf_needs_rebuild(rows=6, built_over=0)  # built on an empty table: no partitions
    assert not ivf_needs_rebuild(rows=0, built_over=0)
    assert not ivf_needs_rebuild(rows=150, built_over=100)
    assert ivf_needs_rebuild(rows=200, built_over=100)  # doubled: a handful of rebuilds in all
    assert OracleSql("q", DIM).rebuild_vector_index() == "BEGIN DBMS_VECTOR.REBUILD_INDEX(:name); END;"
    with pytest.raises(StoreError, match="oracle.vector_index must be auto, hnsw or ivf"):
        OracleConfig("h/S", "u", "pw", vector_index="flat").pool_params()
    memory = explain(ora("ORA-51962: The vector memory area is out of space"), "d", "u")
    assert "CDB$ROOT" in str(memory)
    readme = (ROOT / "README.md").read_text()
    assert "CDB$ROOT" in readme


# 7. A wallet alias's (retry_count=20)(retry_delay=3) beats retry_count=0 -------------------------


def write_tnsnames(folder: Path, port: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tnsnames.ora").write_text(
        "mydb_high = (description= (retry_count=20)(retry_delay=3)"
        f"(address=(protocol=tcp)(port={port})(host=127.0.0.1))"
        "(connect_data=(service_name=abc_mydb_high.adb.oraclecloud.com)))\n"
    )
    return folder


def test_a_wallet_alias_is_tried_once_and_its_real_error_shown(tmp_path: Path, closed_port: int) -> None:
    config_dir = write_tnsnames(tmp_path / "wallet", closed_port)
    expanded = without_retries("mydb_high", str(config_dir))
    assert expanded.startswith("(DESCRIPTION=") and "RETRY" not in expanded.upper()
    assert f"(PORT={closed_port})" in expanded
    assert without_retries("h:1522/s?retry_count=20&retry_delay=3") == "h:1522/s"
    assert (
        without_retries("(DESCRIPTION=(RETRY_COUNT=5)(ADDRESS=(HOST=h)))")
        == "(DESCRIPTION=(ADDRESS=(HOST=h)))"
    )
    started = time.monotonic()
    config = OracleConfig("mydb_high", "admin", "pw", config_dir=str(config_dir), connect_timeout_s=3)
    with pytest.raises(StoreUnreachable) as caught:
        OracleStore(config, EMBEDDER, DIM)
    # with the alias's retries this took the whole 6 s deadline and said only "did not answer"
    assert time.monotonic() - started < 3
    assert "DPY-6005" in str(caught.value) and "did not answer" not in str(caught.value)


def test_an_unknown_alias_is_named(tmp_path: Path) -> None:
    config_dir = write_tnsnames(tmp_path / "wallet", 9)
    with pytest.raises(StoreError, match=r"while looking up mydb_low in .*tnsnames.ora"):
        OracleConfig("mydb_low", "admin", "pw", config_dir=str(config_dir)).pool_params()


def test_a_connection_that_arrives_after_the_deadline_is_closed() -> None:
    """The driver stands in as a slow connect (the real one cannot connect here)."""
    closed = threading.Event()

    class Late:
        def close(self) -> None:
            closed.set()

    class SlowDriver:
        @staticmethod
        def connect(**_params: object) -> Late:
            time.sleep(0.5)
            return Late()

    with pytest.raises(StoreUnreachable, match="did not answer within 0.1 s"):
        first_contact(SlowDriver, {}, 0.1, "db:1521/X")
    assert closed.wait(3), "the late connection was left open"


# 8. A wrong wallet password reads as "network or VPN" unless checked first ---------------------


def make_wallet(folder: Path, password: str | None) -> Path:
    """An ewallet.pem as a downloaded ADB wallet has one: an encrypted key and its certificate."""
    folder.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "adb client")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    encryption = (
        serialization.BestAvailableEncryption(password.encode()) if password else serialization.NoEncryption()
    )
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    (folder / "ewallet.pem").write_bytes(pem + cert.public_bytes(serialization.Encoding.PEM))
    return folder


def test_a_wrong_wallet_password_is_named_before_connecting(tmp_path: Path, closed_port: int) -> None:
    wallet = make_wallet(tmp_path / "wallet", "Wallet#Pass1")
    dsn = f"tcps://127.0.0.1:{closed_port}/abc_mydb_high"
    check_wallet(str(wallet), "Wallet#Pass1", dsn)  # the right one opens it
    wrong = OracleConfig(dsn, "admin", "pw", wallet_location=str(wallet), wallet_password="nope")
    with pytest.raises(StoreError) as caught:
        OracleStore(wrong, EMBEDDER, DIM)
    assert "the wallet password does not open ewallet.pem" in str(caught.value)
    assert not isinstance(caught.value, StoreUnreachable)  # not "check the network or VPN"
    with pytest.raises(StoreError, match="encrypted and no wallet password is set"):
        check_wallet(str(wallet), None, dsn)
    with pytest.raises(StoreError, match="has no ewallet.pem"):
        check_wallet(str(tmp_path), "x", dsn)
    check_wallet(str(make_wallet(tmp_path / "plain", None)), None, dsn)  # an unencrypted key needs none


def test_the_driver_alone_hides_a_wrong_wallet_password(tmp_path: Path, closed_port: int) -> None:
    """Why the check above exists: the thin driver swallows the SSL error and goes on connecting."""
    wallet = make_wallet(tmp_path / "wallet", "Wallet#Pass1")
    with pytest.raises(oracledb.Error) as caught:
        oracledb.connect(
            user="admin",
            password="pw",
            dsn=f"tcps://127.0.0.1:{closed_port}/abc_mydb_high",
            wallet_location=str(wallet),
            wallet_password="nope",
            retry_count=0,
        )
    assert "DPY-6005" in str(caught.value) and "wallet" not in str(caught.value).lower()


# 10. read_file reads one snapshot ---------------------------------------------------------------


def test_a_file_is_read_in_one_statement() -> None:
    sql = OracleSql("quire", DIM).read_file()
    assert sql.count("SELECT") == 1 and "LEFT JOIN QUIRE_CHUNKS" in sql and "FROM QUIRE_DOCUMENTS" in sql
    assert not hasattr(OracleSql, "read_chunks") and not hasattr(OracleSql, "read_document")
