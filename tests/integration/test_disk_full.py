"""A data dir on a real small tmpfs that fills up mid-import, then one mounted read-only: the import
stops with one clear sentence (no traceback), the library stays searchable, and the import resumes
once space returns. Needs permission to mount (root in a container); skipped otherwise."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import QUIRE, run_cli

PAUSE_S = 0.3  # slows the writes so the disk fills while the import is under way


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    command = ["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mount)]
    made = subprocess.run(command, capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _env(home: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "QUIRE_HOME": str(home), **extra}


def _notes(folder: Path, count: int, topic: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        (folder / f"{topic}-{n:02}.md").write_text(
            f"# {topic.title()} {n}\n\n" + f"Entry {n} on {topic}: the count was {n * 11}. " * 40,
            encoding="utf-8",
        )
    return folder


def _indexed(home: Path) -> int:
    try:
        with sqlite3.connect(f"file:{home / 'catalog.sqlite3'}?mode=ro", uri=True, timeout=5) as db:
            return int(db.execute("SELECT count(*) FROM files WHERE state = 'indexed'").fetchone()[0])
    except sqlite3.Error:
        return 0


def _fill(folder: Path) -> Path:
    """Write until the disk refuses: what a full disk looks like to the importer's next write."""
    ballast = folder / "ballast"
    with ballast.open("wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError:
            pass
    return ballast


def test_disk_full_mid_import_then_resume(small_disk: Path, tmp_path: Path) -> None:
    home = small_disk / "quire"
    first = _notes(tmp_path / "first", 2, "heron")
    assert run_cli("ingest", str(first), env=_env(home)).returncode == 0
    second = _notes(tmp_path / "second", 10, "otter")

    proc = subprocess.Popen(
        [str(QUIRE), "ingest", str(second)],
        env=_env(home, QUIRE_INGEST__WRITE_PAUSE_S=str(PAUSE_S)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 180
    while _indexed(home) < 4 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "the import ended before the disk could fill"
    ballast = _fill(small_disk)
    _, stderr = proc.communicate(timeout=300)

    message = (
        f"quire: the disk holding the library ({home}) is full — free space and run the import again; "
        "nothing was lost"
    )
    assert proc.returncode == 1 and stderr.strip() == message, stderr
    done = _indexed(home)
    assert 4 <= done < 12

    search = run_cli("search", "heron entry", "--json", env=_env(home))  # still full: reading works
    assert search.returncode == 0, search.stderr
    assert "heron" in json.loads(search.stdout)["hits"][0]["path"], search.stdout
    status = run_cli("status", "--json", env=_env(home))
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["pending_imports"] == [str(second)]

    ballast.unlink()  # space returns
    resumed = run_cli("ingest", "--json", env=_env(home))
    assert resumed.returncode == 0, resumed.stderr
    after = json.loads(run_cli("status", "--json", env=_env(home)).stdout)
    assert after["documents"] == 12 and after["pending_imports"] == [], after
    assert after["consistency"]["ok"] and after["consistency"]["catalog_chunks"] == after["chunks"], after


def test_read_only_library_reads_and_refuses_imports(small_disk: Path, tmp_path: Path) -> None:
    home = small_disk / "quire"
    assert run_cli("ingest", str(_notes(tmp_path / "n", 2, "heron")), env=_env(home)).returncode == 0
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)

    search = run_cli("search", "heron entry", "--json", env=_env(home))
    assert search.returncode == 0, search.stderr
    assert "heron" in json.loads(search.stdout)["hits"][0]["path"]
    status = run_cli("status", "--json", env=_env(home))
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["documents"] == 2

    refused = run_cli("ingest", str(_notes(tmp_path / "m", 1, "otter")), env=_env(home))
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        f"quire: the library at {home} is read-only (read-only file system): search and status work, "
        "but to import it needs a writable data folder"
    ), refused.stderr
