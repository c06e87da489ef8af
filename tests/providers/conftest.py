"""A real OpenAI-compatible server (llama-cpp-python's) with the default model, once per session."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from servers import free_port  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`python -m llama_cpp.server` on a free loopback port; yields its /v1 base URL."""
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make models`")
    port = free_port()
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "llama_cpp.server",
                "--model",
                str(MODEL),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--n_ctx",
                "2048",
                "--n_threads",
                "2",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llama_cpp.server exited ({proc.returncode}): {log.read_text()[-2000:]}")
            try:
                if httpx.get(url + "/models", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"llama_cpp.server did not start in 60 s: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def settings(quire_home: Path):  # type: ignore[no-untyped-def]
    """Fresh settings over the test's private data dir; tests set values on it."""
    from quire.config import Settings
    from quire.providers.router import HEALTH

    HEALTH.clear()
    return Settings.load(quire_home)


@pytest.fixture(autouse=True)
def no_keyring_secrets(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Secrets come from this dict, not the developer's real keyring; tests put keys in it."""
    secrets: dict[str, str] = {}
    monkeypatch.setattr("quire.secrets.get_secret", lambda name: secrets.get(name))
    return secrets
