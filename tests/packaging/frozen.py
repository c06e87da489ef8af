"""Running the frozen Linux app the way a user's machine would: no Python, optionally no network."""

from __future__ import annotations

import glob
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "dist"
APP = DIST / "quire" / "quire"
BUILD_INFO = DIST / "quire-build.json"
REPORT = ROOT / "build" / "packaging-report.json"


def build_bundle() -> float:
    """`make package` (a no-op when dist/ is newer than every source); returns the seconds it took."""
    started = time.monotonic()
    result = subprocess.run(["make", "package"], cwd=ROOT, capture_output=True, text=True, timeout=3600)
    if result.returncode != 0:
        raise AssertionError(f"make package failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    return time.monotonic() - started


def python_dirs() -> list[str]:
    """Every Python this machine has: the venv, its base interpreter, the distribution's."""
    dirs = {str(ROOT / ".venv"), sys.prefix, sys.base_prefix, *glob.glob("/usr/lib/python3*")}
    dirs |= set(glob.glob("/usr/local/lib/python3*"))
    return sorted(d for d in dirs if os.path.isdir(d) and d not in {"/", "/usr", "/usr/local"})


def isolation_works() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-m", "-n", "true"], capture_output=True)
    return probe.returncode == 0


def user_env(home: Path, **extra: str) -> dict[str, str]:
    """A desktop session's environment: no PYTHONPATH, no venv, a fresh HOME with no model caches."""
    home.mkdir(parents=True, exist_ok=True)
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "LANG": "C.UTF-8",
        "QT_QPA_PLATFORM": "offscreen",
    }
    env.update(extra)
    return env


def isolated(argv: list[str]) -> list[str]:
    """argv inside new mount and network namespaces: every Python folder hidden, only loopback."""
    hide = " && ".join(f"mount -t tmpfs quire-test-hidden {shlex.quote(d)}" for d in python_dirs())
    return ["unshare", "-m", "-n", "sh", "-c", f'{hide} && exec "$@"', "frozen-quire", *argv]


def run_app(
    *args: str, env: dict[str, str], offline: bool = True, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    argv = [str(APP), *args]
    return subprocess.run(
        isolated(argv) if offline else argv, capture_output=True, text=True, env=env, timeout=timeout
    )
