"""Secrets only in a secure OS keyring, and logs that never hold a secret or, by default, a question.

The end-to-end tests run the real `quire` command against a loopback OpenAI-compatible server with
the API key in the real Secret Service (scripts/run_tests.sh starts one) and DEBUG logging."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from helpers import QUIRE, keyring_problem
from providers.servers import end_chunks, http_server, openai_delta, openai_finish, send_chunk, send_json
from providers.servers import start_chunked as start_stream
from quire.logfile import REDACTED, ScrubFilter, private, register_secret, scrub

QUESTION = "Which zebracorn ledger did Quillon Vantablack audit in 1893?"


def quire(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real command with text on its standard input (helpers.run_cli gives none)."""
    return subprocess.run(
        [str(QUIRE), *args], input=stdin, capture_output=True, text=True, timeout=300,
        env={**os.environ, **(env or {})},
    )  # fmt: skip


def files_holding(folder: Path, *needles: str) -> list[str]:
    found = []
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found += [f"{path.relative_to(folder)}: {n!r}" for n in needles if n.encode() in data]
    return found


# Scrubbing, in process ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "hidden"),
    [
        ("headers={'Authorization': 'Bearer sk-abc123XYZ'}", "sk-abc123XYZ"),
        ("Authorization: Basic dXNlcjpwYXNz", "dXNlcjpwYXNz"),
        ("sent bearer tok_9f8e7d to the server", "tok_9f8e7d"),
        ("GET /v1/models?api_key=k-777&x=1", "k-777"),
        ('{"api-key": "zz-secret-zz"}', "zz-secret-zz"),
        ("password=hunter2; user=me", "hunter2"),
        ("connecting to https://admin:s3cr3t@gpu-box.local:8000/v1", "s3cr3t"),
        ("oracle dsn scott/tiger99@db.example.org:1521/FREEPDB1", "tiger99"),
        ("key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----", "MIIEpA"),
        ("pass_phrase: open-sesame-1", "open-sesame-1"),
    ],
)
def test_scrub_blanks_secret_looking_fields(line: str, hidden: str) -> None:
    scrubbed = scrub(line)
    assert hidden not in scrubbed and ("[redacted" in scrubbed)


def test_scrub_keeps_ordinary_text() -> None:
    text = "loaded /home/me/models/x.gguf (threads=2); 12 prompt_tokens; see quire secret set lan.api_key"
    assert scrub(text) == text


def test_filter_blanks_registered_secrets_in_messages_arguments_and_tracebacks(tmp_path: Path) -> None:
    secret = "plain-value-" + os.urandom(4).hex()  # no label anywhere: only the registry can find it
    register_secret(secret)
    handler = logging.FileHandler(tmp_path / "t.log", encoding="utf-8")
    handler.addFilter(ScrubFilter())
    logger = logging.getLogger("quire.test.scrub")
    logger.addHandler(handler)
    try:
        logger.warning("server echoed %s back", secret)
        try:
            raise ValueError(f"bad value {secret}")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
        handler.close()
    text = (tmp_path / "t.log").read_text(encoding="utf-8")
    assert secret not in text
    assert text.count(REDACTED) == 2 and "ValueError: bad value [redacted]" in text


def test_private_text_is_hidden_unless_prompts_are_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    assert QUESTION not in private(QUESTION) and f"{len(QUESTION)} characters" in private(QUESTION)
    monkeypatch.setattr("quire.logfile._prompts_allowed", True)
    assert private(QUESTION) == QUESTION


# Which keyrings are trusted -------------------------------------------------------------------


def test_keyring_backends_are_classified(monkeypatch: pytest.MonkeyPatch) -> None:
    from keyring.backends import SecretService, chainer, fail, null

    from quire.secrets import _backend_status

    assert not _backend_status(fail.Keyring()).secure
    assert not _backend_status(null.Keyring()).secure
    secure = _backend_status(SecretService.Keyring())
    assert secure.secure and secure.known and "Secret Service" in secure.label

    class PlaintextKeyring:  # what keyrings.alt.file offers
        pass

    PlaintextKeyring.__module__ = "keyrings.alt.file"
    status = _backend_status(PlaintextKeyring())
    assert not status.secure and status.reason and "in a file" in status.reason

    # (no subclass of a backend here: keyring would register it and pick it for the next tests)
    chain = chainer.ChainerBackend()
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [SecretService.Keyring(), PlaintextKeyring()])
    assert not _backend_status(chain).secure  # the chain may write to the plaintext one
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [SecretService.Keyring()])
    assert _backend_status(chain).secure
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [])
    assert not _backend_status(chain).secure


PLAINTEXT_BACKEND = """
from pathlib import Path
from keyring.backend import KeyringBackend

class PlaintextKeyring(KeyringBackend):
    priority = 1
    def set_password(self, service, username, password):
        Path(__file__).with_name("stored.txt").write_text(password)
    def get_password(self, service, username):
        return None
    def delete_password(self, service, username):
        pass
"""


@pytest.mark.parametrize("backend", ["fail", "null", "plaintext"])
def test_secret_set_refuses_without_a_secure_keyring(quire_home: Path, tmp_path: Path, backend: str) -> None:
    env = {"PYTHON_KEYRING_BACKEND": f"keyring.backends.{backend}.Keyring"}
    if backend == "plaintext":  # keyrings.alt's file backend, as far as keyring and Quire can tell
        package = tmp_path / "alt" / "keyrings" / "alt"
        package.mkdir(parents=True)
        (package / "file.py").write_text(PLAINTEXT_BACKEND)
        env = {
            "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
            "PYTHONPATH": str(tmp_path / "alt"),
        }
    secret = "sk-never-stored-" + os.urandom(4).hex()
    result = quire("secret", "set", "lan.api_key", stdin=secret + "\n", env=env)
    assert result.returncode == 1, result.stderr
    message = result.stderr
    assert message.startswith("quire: no secure OS keyring is available (")
    assert "so nothing was stored. Quire keeps secrets only in the OS keyring, never in a file" in message
    if sys.platform.startswith("linux"):
        assert "gnome-keyring" in message and "KWallet" in message and "Secret Service" in message
    assert "Keychain" in message and "Credential Locker" in message
    assert not files_holding(quire_home, secret) and not (quire_home / "config.toml").exists()
    assert not list(tmp_path.rglob("stored.txt"))  # the plaintext backend was never asked to store


def test_secret_set_uses_the_real_secret_service(quire_home: Path) -> None:
    problem = keyring_problem()
    if problem:
        pytest.skip(problem)
    import keyring

    secret = "sk-stored-" + os.urandom(4).hex()
    try:
        result = quire("secret", "set", "lan.api_key", stdin=secret + "\n")
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "lan.api_key stored in the OS keyring"
        assert keyring.get_password("Quire", "lan.api_key") == secret
        assert not files_holding(quire_home, secret)
    finally:
        quire("secret", "delete", "lan.api_key")
    assert keyring.get_password("Quire", "lan.api_key") is None


# End to end: a key in the keyring, DEBUG logs, a real ask and search --------------------------


@pytest.fixture
def lan_key() -> Iterator[str]:
    problem = keyring_problem()
    if problem:
        pytest.skip(problem)
    key = "sk-e2e-" + os.urandom(8).hex()
    result = quire("secret", "set", "lan.api_key", stdin=key + "\n")
    assert result.returncode == 0, result.stderr
    try:
        yield key
    finally:
        quire("secret", "delete", "lan.api_key")


def test_ask_and_search_leave_no_key_and_no_question_in_the_data_dir(library, lan_key: str) -> None:
    home = library.settings.home
    seen: list[dict[str, object]] = []

    def post(request: BaseHTTPRequestHandler, body: bytes) -> None:
        if not request.path.endswith("/chat/completions"):
            send_json(request, 404, {"error": "no tokenizer here"})
            return
        if request.headers.get("Authorization") != f"Bearer {lan_key}":
            send_json(request, 401, {"error": {"message": "wrong key"}})
            return
        seen.append(json.loads(body))
        start_stream(request)
        # a broken line that carries the question and the key: the log must show neither
        send_chunk(request, f"echo {QUESTION} as {lan_key}\n\n")
        send_chunk(request, openai_delta("The ledger"))
        send_chunk(request, openai_delta(" was audited."))
        send_chunk(request, openai_finish({"prompt_tokens": 40, "completion_tokens": 2}))
        end_chunks(request)

    env = {"QUIRE_HOME": str(home), "QUIRE_LOGGING__LEVEL": "DEBUG"}
    with http_server(post) as (url, _):
        assert quire("config", "set", "providers.lan.url", url + "/v1", env=env).returncode == 0
        searched = quire("search", QUESTION, "--json", env=env)
        assert searched.returncode == 0, searched.stderr
        asked = quire("ask", QUESTION, "--provider", "lan", "--json", env=env)
        assert asked.returncode == 0, asked.stderr
        assert json.loads(asked.stdout)["answer"] == "The ledger was audited."
        assert json.loads(searched.stdout)["hits"]
        assert QUESTION in json.dumps(seen[0])  # the question did travel, so it could have leaked

        log = home / "logs" / "quire.log"
        assert "skipped a malformed stream line: [" in log.read_text(encoding="utf-8")
        assert not files_holding(home, lan_key)
        # the question is kept in one place only: the chat history the user sees (and can delete)
        held = files_holding(home, QUESTION, "zebracorn", "Vantablack")
        assert held and all(line.startswith("chats.sqlite3: ") for line in held), held

        # the control: with logging.prompts on, the same line is logged, the key still blanked
        prompts = {**env, "QUIRE_LOGGING__PROMPTS": "true"}
        assert quire("ask", QUESTION, "--provider", "lan", env=prompts).returncode == 0
    text = log.read_text(encoding="utf-8")
    assert f"echo {QUESTION} as {REDACTED}" in text
    assert not files_holding(home, lan_key)
