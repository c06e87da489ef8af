"""Logging goes to logs/quire.log in the data dir, scrubbed of secrets; prompt text stays out by default.

Libraries' warnings never reach the terminal. Every record passes a filter that blanks the secret
values Quire has read from the keyring, Authorization headers, api_key=…, passwords in URLs and
DSNs, and private-key blocks, whoever logged it. Questions, prompts and answers are logged only
through `private()`, which hides them unless the setting logging.prompts is true.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
import threading
from pathlib import Path

from quire.errors import ConfigError

REDACTED = "[redacted]"
MIN_SECRET_CHARS = 3  # shorter values would blank ordinary words; no real key or password is that short

_configured = False
_prompts_allowed = False
_secrets: set[str] = set()
_secrets_lock = threading.Lock()

# Each pattern keeps its first group (the label) and blanks the rest.
_PATTERNS = [
    # PEM private keys (OCI API keys, wallets): the whole block
    (
        re.compile(r"-----BEGIN ([A-Z ]*)PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)", re.S),
        "[redacted private key]",
    ),
    # Authorization: Bearer …, Basic …, or any scheme; also as a dict repr ('Authorization': '…')
    (re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)[^'\"\r\n,}]+"), r"\1" + REDACTED),
    (re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]+"), r"\1" + REDACTED),
    # api_key=…, "api-key": "…", password=…, pass_phrase: …, token=…, secret=…
    (
        re.compile(
            r"(?i)((?:api[_-]?key|apikey|password|passwd|pass_phrase|passphrase|secret|token|access_token)"
            r"['\"]?\s*[:=]\s*['\"]?)[^\s'\"&,;}]+"
        ),
        r"\1" + REDACTED,
    ),
    # scheme://user:password@host
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^\s:/@]+:)[^\s@/]+@"), r"\1" + REDACTED + "@"),
    # Oracle's user/password@host:port/service or user/password@alias
    (re.compile(r"(?<![\w/.:~-])([A-Za-z][\w$#]*/)[^\s/@'\"]+@(?=[\w.-]+)"), r"\1" + REDACTED + "@"),
]


def register_secret(value: str | None) -> None:
    """Blank this value in every log record from now on (secrets.get_secret calls it for each read)."""
    if value and len(value) >= MIN_SECRET_CHARS:
        with _secrets_lock:
            _secrets.add(value)


def scrub(text: str) -> str:
    """The text with known secret values and secret-looking fields replaced by [redacted]."""
    with _secrets_lock:
        known = sorted(_secrets, key=len, reverse=True)  # longest first: one may contain another
    for value in known:
        if value in text:
            text = text.replace(value, REDACTED)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def private(text: str) -> str:
    """Question, prompt or answer text for a log message: hidden unless logging.prompts is true."""
    if _prompts_allowed:
        return text
    return f"[{len(text)} characters of prompt/answer text hidden; logging.prompts = true shows them]"


class ScrubFilter(logging.Filter):
    """Rewrites each record's message, traceback and stack text through scrub()."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep the template, drop the arguments
            message = str(record.msg)
        record.msg = scrub(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        return True


def log_level(name: str | int) -> int:
    if isinstance(name, int):
        return name
    level = logging.getLevelName(name.strip().upper())
    if not isinstance(level, int):
        raise ConfigError(f"logging.level must be DEBUG, INFO, WARNING or ERROR, not {name!r}")
    return level


def setup_logging(log_dir: Path, level: int | str = logging.INFO, prompts: bool = False) -> Path:
    global _configured, _prompts_allowed
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / "quire.log"
    if _configured:
        return path
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=5 * 2**20, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(ScrubFilter())  # on the handler: it sees records from every logger
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(log_level(level))
    _prompts_allowed = prompts
    # pypdf and fontTools log a flood of font warnings on ordinary PDFs: file them, quietly. These
    # stay at ERROR even with logging.level = DEBUG: their debug output carries request bodies.
    noisy_libraries = ("pypdf", "fontTools", "chromadb", "httpx", "httpcore", "urllib3", "oci")
    for noisy in (*noisy_libraries, "sentence_transformers"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    logging.captureWarnings(True)
    _configured = True
    return path
