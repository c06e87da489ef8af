"""Turn python-oracledb errors into one sentence a user can act on (what failed, why, the fix)."""

from __future__ import annotations

import re

from quire.errors import StoreError
from quire.search.stores.base import StoreUnreachable

# Codes, grouped by what the user has to do about them.
UNREACHABLE = {
    "DPY-6000",  # listener refused the connection
    "DPY-6001",  # service not registered with the listener
    "DPY-6005",  # cannot connect (refused, timeout, DNS)
    "DPY-4011",  # the database or network closed the connection
    "DPY-1001",  # not connected
    "DPY-4005",  # timed out waiting for the pool to hand out a connection
    "DPY-4024",  # call timeout: the server stopped answering
    "ORA-12170",  # connect timeout
    "ORA-12514",  # listener does not know the service
    "ORA-12541",  # no listener
    "ORA-03113",  # end-of-file on communication channel
    "ORA-03114",  # not connected
    "ORA-03135",  # connection lost contact
}
BAD_LOGIN = {"ORA-01017", "ORA-28000", "ORA-28001", "ORA-01005"}
NO_PRIVILEGE = {"ORA-01031", "ORA-01950", "ORA-01536", "ORA-01045"}  # 01045: no CREATE SESSION
NO_VECTOR_MEMORY = {"ORA-51962"}  # the vector pool is absent or full
TOO_OLD = {"ORA-00902"}  # invalid datatype: VECTOR does not exist before 23ai
ALREADY_EXISTS = {"ORA-00955", "ORA-01408"}  # name in use / column list already indexed
DUPLICATE_KEY = {"ORA-00001"}  # unique constraint: another client inserted the same key first
HNSW_REFUSES_DML = {"ORA-51928"}  # older 23ai release updates: no DML on a table with an HNSW index
TEXT_INDEX_UNUSABLE = {"ORA-29861"}  # domain index is marked LOADING/FAILED/UNUSABLE
GRANTS = (
    "ask the DBA for `GRANT DB_DEVELOPER_ROLE TO {user}` and a tablespace quota "
    "(`ALTER USER {user} QUOTA UNLIMITED ON USERS`, or your tablespace); at the least the user needs "
    "CREATE SESSION and CREATE TABLE"
)


def error_code(exc: BaseException) -> str:
    """The driver's code, e.g. "ORA-01017" or "DPY-6005"; "" for anything that is not an oracledb error."""
    detail = exc.args[0] if exc.args else None
    code = getattr(detail, "full_code", "") or ""
    if not code:
        found = re.match(r"(ORA|DPY|DPI)-\d{4,5}", str(exc))
        code = found.group(0) if found else ""
    return code


def _cause(exc: BaseException) -> str:
    """The driver's message without its CONNECTION_ID noise; the OS reason when there is one."""
    text = str(exc).strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    first = re.sub(r"\s*\(CONNECTION_ID=[^)]*\)\.?", "", lines[0]) if lines else type(exc).__name__
    reasons = [line for line in lines[1:] if not line.startswith(("Help:", "https:"))]
    return f"{first.rstrip('.')}: {reasons[-1]}" if reasons else first


def is_unreachable(exc: BaseException) -> bool:
    return error_code(exc) in UNREACHABLE or isinstance(exc, (ConnectionError, TimeoutError))


def is_vector_memory_missing(exc: BaseException) -> bool:
    return error_code(exc) in NO_VECTOR_MEMORY


def is_vector_index_error(exc: BaseException) -> bool:
    """Any ORA-51xxx (AI Vector Search's range): creating HNSW failed for a vector reason, so IVF.
    Pool sizes, release-update limits and codes Oracle's reference does not list all land here."""
    return error_code(exc).startswith("ORA-51")


def already_exists(exc: BaseException) -> bool:
    return error_code(exc) in ALREADY_EXISTS


def is_duplicate_key(exc: BaseException) -> bool:
    return error_code(exc) in DUPLICATE_KEY


def hnsw_refuses_dml(exc: BaseException) -> bool:
    return error_code(exc) in HNSW_REFUSES_DML


def text_index_unusable(exc: BaseException) -> bool:
    return error_code(exc) in TEXT_INDEX_UNUSABLE


def explain(exc: BaseException, dsn: str, user: str, doing: str = "") -> StoreError:
    """A StoreError naming the database, what Quire was doing, the cause and the fix."""
    code = error_code(exc)
    where = f"Oracle at {dsn}"
    step = f" while {doing}" if doing else ""
    if is_unreachable(exc):
        return StoreUnreachable(
            f"{where} cannot be reached{step} ({_cause(exc)}); check oracle.dsn, the network or VPN, "
            "and that the database is open"
        )
    if code in BAD_LOGIN:
        if code == "ORA-28000":
            fix = "the account is locked: ask the DBA to unlock it"
        elif code == "ORA-28001":
            fix = "the password has expired: change it, then `quire secret set oracle.password`"
        else:
            fix = "check oracle.user and run `quire secret set oracle.password`"
        message = f"{where} refused the login of {user or '(no oracle.user)'} ({code}): {fix}"
    elif code in NO_PRIVILEGE:
        message = f"{where}: user {user} lacks a privilege{step} ({code}); " + GRANTS.format(
            user=user or "<user>"
        )
    elif code in TOO_OLD:
        message = (
            f"{where} has no VECTOR data type ({code}): Oracle Database 23ai or later is needed "
            "(use store.backend=chroma meanwhile)"
        )
    elif code in NO_VECTOR_MEMORY:
        message = (
            f"{where}: no vector memory for an HNSW index ({code}); set VECTOR_MEMORY_SIZE in CDB$ROOT "
            "(a PDB's value is only its share of that pool), or set oracle.vector_index to ivf"
        )
    else:
        message = f"{where}{step}: {_cause(exc)}"
    return StoreError(message)
