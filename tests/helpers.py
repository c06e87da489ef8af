"""Helpers the test folders share (import them from here: every folder has its own conftest)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MODEL = ROOT / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"
QUIRE = Path(sys.executable).parent / "quire"


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 300, prefix: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """The real `quire` command in a child process."""
    return subprocess.run(
        [*prefix, str(QUIRE), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def keyring_problem() -> str | None:
    """Why the OS keyring cannot be used here, or None when it works."""
    try:
        import keyring

        backend = keyring.get_keyring()
        if "fail" in type(backend).__module__ or "null" in type(backend).__module__:
            return f"no keyring backend ({type(backend).__name__})"
        keyring.set_password("Quire-test-probe", "probe", "x")
        keyring.delete_password("Quire-test-probe", "probe")
    except Exception as exc:
        return f"the OS keyring is not usable here ({type(exc).__name__}: {exc}); use scripts/run_tests.sh"
    return None
