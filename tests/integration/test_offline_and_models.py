"""No network at all (a network namespace with no interfaces), the data dir from $QUIRE_HOME,
and clear messages for a missing or corrupt chat model."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers import run_cli
from quire.core import Quire


def _unshare_works() -> bool:
    return (
        bool(shutil.which("unshare"))
        and subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0
    )


@pytest.mark.slow
def test_ingest_search_ask_with_no_network(tmp_path: Path, corpus: dict[str, Path]) -> None:
    if not _unshare_works():
        pytest.fail("this test needs `unshare -n` (util-linux, run as root or with user namespaces)")
    home = tmp_path / "plane"
    env = {"QUIRE_HOME": str(home)}
    offline = ("unshare", "-n")
    ingest = run_cli("ingest", str(corpus["pdf"].parent), "--json", env=env, prefix=offline)
    assert ingest.returncode == 0, ingest.stderr
    assert json.loads(ingest.stdout)["added"] == 4
    assert (home / "catalog.sqlite3").exists() and (home / "chroma").is_dir()

    ask = run_cli(
        "ask",
        "How much did repainting the lighthouse tower cost?",
        "--provider",
        "local",
        "--json",
        env=env,
        prefix=offline,
    )
    assert ask.returncode == 0, ask.stderr
    data = json.loads(ask.stdout)
    assert data["answer"]
    assert ("report.pdf", 2) in [(Path(c["path"]).name, c["page"]) for c in data["citations"]]

    status = json.loads(run_cli("status", "--json", env=env, prefix=offline).stdout)
    assert status["home"] == str(home) and status["documents"] == 4
    assert status["store"] == "chroma" and status["providers"]["local"]["ok"] is True


def test_missing_model_names_what_was_found(library: Quire) -> None:
    env = {
        "QUIRE_HOME": str(library.settings.home),
        "QUIRE_PROVIDERS__LOCAL__MODEL": "Llama-9000.Q4_K_M.gguf",
    }
    result = run_cli("ask", "anything?", "--provider", "local", env=env)
    assert result.returncode == 1
    assert "'Llama-9000.Q4_K_M.gguf' not found" in result.stderr
    assert "found: SmolLM2-135M-Instruct.Q4_1.gguf" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_bytes(b"<html>404 not found</html>" * 100), "not a GGUF model file"),
        (lambda p: p.write_bytes(Path(_model()).read_bytes()[: 2 * 2**20]), "could not load this model"),
    ],
    ids=["not-gguf", "truncated"],
)
def test_corrupt_model_is_named(tmp_path: Path, library: Quire, make, message: str) -> None:
    models = tmp_path / "models"
    models.mkdir()
    broken = models / "broken.gguf"
    make(broken)
    env = {"QUIRE_HOME": str(library.settings.home), "QUIRE_MODELS": str(models)}
    result = run_cli("ask", "anything?", "--provider", "local", "--model", "broken.gguf", env=env)
    assert result.returncode == 1
    assert str(broken) in result.stderr and message in result.stderr
    assert "Traceback" not in result.stderr
    status = json.loads(
        run_cli("status", "--json", env={**env, "QUIRE_PROVIDERS__LOCAL__MODEL": "broken.gguf"}).stdout
    )
    if message.startswith("not a GGUF"):
        assert status["providers"]["local"]["ok"] is False
        assert "not a GGUF" in status["providers"]["local"]["error"]


def _model() -> Path:
    from helpers import DEFAULT_MODEL

    return DEFAULT_MODEL
