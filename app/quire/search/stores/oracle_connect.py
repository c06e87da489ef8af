"""Reaching Oracle: the settings, a wallet checked before any connection, a wallet's TNS alias
without its built-in retries, and a first connection that gives up in time and cleans up after."""

from __future__ import annotations

import contextlib
import re
import ssl
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quire.errors import StoreError
from quire.search.stores.base import StoreUnreachable

if TYPE_CHECKING:
    from quire.config import Settings

VECTOR_INDEX_CHOICES = ("auto", "hnsw", "ivf")
# Autonomous Database wallets write (retry_count=20)(retry_delay=3) into every alias; an Easy
# Connect string may carry ?retry_count=20&retry_delay=3. Either beats the retry_count keyword.
_RETRIES = re.compile(r"\(\s*retry_(?:count|delay)\s*=\s*\d+\s*\)|(?<=[?&])retry_(?:count|delay)=\d+&?", re.I)


@dataclass(frozen=True)
class OracleConfig:
    """Where the library lives. `dsn` is host:port/service, an Easy Connect string, or a TNS
    alias from `config_dir` (an Autonomous Database wallet folder)."""

    dsn: str
    user: str
    password: str | None = None
    config_dir: str = ""
    wallet_location: str = ""
    wallet_password: str | None = None
    connect_timeout_s: float = 3.0
    table_prefix: str = "QUIRE"
    pool_max: int = 4
    batch_rows: int = 500
    vector_index: str = "auto"  # auto | hnsw | ivf

    @classmethod
    def from_settings(cls, settings: Settings) -> OracleConfig:
        from quire.secrets import get_secret

        get = settings.get
        return cls(
            dsn=get("oracle.dsn"),
            user=get("oracle.user"),
            password=get_secret("oracle.password") if get("oracle.dsn") else None,
            config_dir=get("oracle.config_dir"),
            wallet_location=get("oracle.wallet_location"),
            wallet_password=get_secret("oracle.wallet_password") if get("oracle.wallet_location") else None,
            connect_timeout_s=get("oracle.connect_timeout_s"),
            table_prefix=get("oracle.table_prefix"),
            pool_max=get("oracle.pool_max"),
            batch_rows=get("oracle.batch_rows"),
            vector_index=get("oracle.vector_index"),
        )

    @property
    def configured(self) -> bool:
        return bool(self.dsn)

    def pool_params(self) -> dict[str, Any]:
        """Keyword arguments for oracledb.connect/create_pool; empty wallet settings are left out.
        The wallet is checked first, and a wallet alias is expanded without its retries."""
        if not self.dsn:
            raise StoreError("Oracle is not configured: set oracle.dsn and oracle.user")
        if not self.user:
            raise StoreError(f"Oracle at {self.dsn}: set oracle.user")
        if not self.password:
            raise StoreError(
                f"Oracle at {self.dsn}: no password for {self.user} in the OS keyring "
                "(run `quire secret set oracle.password`)"
            )
        if self.vector_index not in VECTOR_INDEX_CHOICES:
            raise StoreError(f"oracle.vector_index must be auto, hnsw or ivf, not {self.vector_index!r}")
        if self.wallet_location:
            check_wallet(self.wallet_location, self.wallet_password, self.dsn)
        params: dict[str, Any] = {
            "user": self.user,
            "password": self.password,
            "dsn": without_retries(self.dsn, self.config_dir),
            "tcp_connect_timeout": self.connect_timeout_s,
            "retry_count": 0,
        }
        if self.config_dir:
            params["config_dir"] = self.config_dir
        if self.wallet_location:
            params["wallet_location"] = self.wallet_location
            if self.wallet_password:
                params["wallet_password"] = self.wallet_password
        return params


def without_retries(dsn: str, config_dir: str = "") -> str:
    """The connect string with no retry_count/retry_delay of its own.

    A TNS alias is expanded through the driver's own tnsnames.ora reader first (the descriptor it
    stands for carries the wallet's retries). Otherwise an unreachable Autonomous Database is
    retried for about a minute while Quire waits a few seconds and can only say "did not answer",
    hiding the ORA/DPY error that says why."""
    text = dsn.strip()
    if config_dir and re.fullmatch(r"[\w.$#-]+", text):  # an alias, not host:port/service
        import oracledb

        params = oracledb.ConnectParams(config_dir=config_dir)
        try:
            params.parse_connect_string(text)
        except oracledb.Error as exc:
            from quire.search.stores.oracle_errors import explain

            raise explain(exc, dsn, "", f"looking up {text} in {config_dir}/tnsnames.ora") from exc
        text = params.get_connect_string()
    return _RETRIES.sub("", text).rstrip("?&")


def check_wallet(location: str, password: str | None, dsn: str) -> None:
    """Open the wallet's key the way the driver will, and say what is wrong. The thin driver
    swallows this SSL error and connects without a client certificate, which the database then
    drops: a wrong wallet password would otherwise read as "check the network or VPN"."""
    pem = Path(location).expanduser() / "ewallet.pem"
    where = f"Oracle at {dsn}: oracle.wallet_location {location}"
    if not pem.is_file():
        raise StoreError(f"{where} has no ewallet.pem (unzip the database's wallet into that folder)")
    try:
        text = pem.read_text(encoding="ascii", errors="replace")
    except OSError as exc:
        raise StoreError(f"{where}: cannot read {pem} ({exc.strerror or exc})") from None
    if "PRIVATE KEY-----" not in text:
        return  # certificates only (TLS without a client key): nothing to unlock
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        # a callable, so OpenSSL never prompts on the terminal when no password is set
        context.load_cert_chain(pem, password=lambda: (password or "").encode())
    except ssl.SSLError as exc:
        if not password:
            raise StoreError(
                f"{where}: the key in {pem.name} is encrypted and no wallet password is set "
                "(run `quire secret set oracle.wallet_password`)"
            ) from None
        raise StoreError(
            f"{where}: the wallet password does not open {pem.name} ({exc.reason or exc}); set the "
            "one chosen when the wallet was downloaded: `quire secret set oracle.wallet_password`"
        ) from None


def first_contact(oracledb: Any, params: dict[str, Any], deadline_s: float, dsn: str) -> Any:
    """Connect once, in a daemon thread: a listener that accepts and then never answers would
    hang the driver past tcp_connect_timeout, and auto mode promises a short wait. A connection
    that arrives after Quire gave up is closed, not left open for the life of the process."""
    outcome: dict[str, Any] = {}
    lock = threading.Lock()
    gave_up = threading.Event()

    def attempt() -> None:
        try:
            conn = oracledb.connect(**params)
        except BaseException as exc:  # handed to the caller below
            outcome["error"] = exc
            return
        with lock:
            if gave_up.is_set():
                late = conn
            else:
                outcome["conn"], late = conn, None
        if late is not None:
            with contextlib.suppress(Exception):  # nobody is waiting for this connection
                late.close()

    worker = threading.Thread(target=attempt, name="quire-oracle-connect", daemon=True)
    worker.start()
    worker.join(deadline_s)
    with lock:
        if "conn" not in outcome and "error" not in outcome:
            gave_up.set()
            raise StoreUnreachable(
                f"Oracle at {dsn} did not answer within {deadline_s:g} s "
                "(oracle.connect_timeout_s); check oracle.dsn and that the database is open"
            )
    if "error" in outcome:
        raise outcome["error"]
    return outcome["conn"]
