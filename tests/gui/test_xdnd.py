"""A real drag from another X client onto the window, through XDND under Xvfb: the drop is taken
as a Copy (a file manager that honours Move would delete the originals) and the file is imported."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SESSION = Path(__file__).with_name("xdnd_session.py")
TOOLS = ("xvfb-run", "xdotool")


@pytest.mark.slow
@pytest.mark.skipif(
    any(shutil.which(t) is None for t in TOOLS) or not sys.platform.startswith("linux"),
    reason="needs Xvfb and xdotool (apt install xvfb xauth xdotool; .ci/run installs them)",
)
def test_a_real_drop_from_another_app_is_a_copy(home: Path, tmp_path: Path) -> None:
    from quire.qt_libs import check_platform

    assert check_platform("xcb").ok, check_platform("xcb").advice()
    note = tmp_path / "dropped note.md"
    note.write_text("# Dropped\n\nThe ferry to the island leaves at seven.\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    done = subprocess.run(
        [
            "xvfb-run",
            "-a",
            "-s",
            "-screen 0 1600x1000x24",
            sys.executable,
            str(SESSION),
            "drive",
            str(home),
            str(note),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["source_said"] == ["result CopyAction"], report  # what the drop target accepted
    assert report["state"] == "indexed", report
    assert report["file_still_there"]
