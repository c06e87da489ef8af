"""A real drag and drop between two X clients, run inside Xvfb by test_xdnd.py.

python xdnd_session.py source FILE...      a small Qt window that drags FILEs (like a file manager,
                                           offering Copy and Move, proposing Move) and prints the
                                           action the drop target accepted
python xdnd_session.py drive HOME FILE     starts `quire gui` on HOME and the source, drags with
                                           xdotool from one to the other, prints a JSON report
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

QUIRE = Path(sys.executable).parent / "quire"


def source(files: list[str]) -> int:
    from PySide6.QtCore import QMimeData, Qt, QTimer, QUrl
    from PySide6.QtGui import QDrag
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication(sys.argv[:1])

    class Source(QLabel):
        def mousePressEvent(self, event: object) -> None:  # noqa: N802 (Qt's name)
            mime = QMimeData()
            mime.setUrls([QUrl.fromLocalFile(f) for f in files])
            drag = QDrag(self)
            drag.setMimeData(mime)
            offered = Qt.DropAction.CopyAction | Qt.DropAction.MoveAction
            result = drag.exec(offered, Qt.DropAction.MoveAction)  # a file manager's default: Move
            print(f"result {result.name}", flush=True)
            QTimer.singleShot(200, app.quit)

    window = Source("drag me")
    window.setWindowTitle("xdnd drag source")
    window.setGeometry(0, 0, 220, 220)
    window.show()
    print("ready", flush=True)
    return app.exec()


def _window(name: str, timeout: float = 90.0) -> tuple[int, int, int, int]:
    """x, y, width, height of the first window with that name (waits for it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = subprocess.run(
            ["xdotool", "search", "--onlyvisible", "--name", name], capture_output=True, text=True
        )
        for wid in found.stdout.split():
            geometry = subprocess.run(
                ["xdotool", "getwindowgeometry", "--shell", wid], capture_output=True, text=True
            ).stdout
            values = dict(line.split("=", 1) for line in geometry.split() if "=" in line)
            if int(values.get("WIDTH", 0)) > 100:
                return int(values["X"]), int(values["Y"]), int(values["WIDTH"]), int(values["HEIGHT"])
        time.sleep(0.3)
    raise SystemExit(f"no window named {name!r} appeared")


def drive(home: str, file: str) -> int:
    env = {**os.environ, "QUIRE_HOME": home, "QT_QPA_PLATFORM": "xcb"}
    report: dict[str, object] = {}
    quire = subprocess.Popen(
        [str(QUIRE), "gui"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    drag = subprocess.Popen(
        [sys.executable, __file__, "source", file],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert drag.stdout is not None
        assert drag.stdout.readline().strip() == "ready"
        sx, sy, sw, sh = _window("xdnd drag source")
        _window("^Quire$")
        # no window manager in Xvfb: both open at 0,0; put Quire beside the source
        subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "^Quire$", "windowmove", "300", "0"])
        time.sleep(0.5)
        qx, qy, qw, qh = _window("^Quire$")
        report["quire_window"] = [qx, qy, qw, qh]
        time.sleep(2.0)  # the window lists its library and settles
        target = (qx + qw // 2, qy + qh // 2)
        start = (sx + sw // 2, sy + sh // 2)
        subprocess.run(["xdotool", "mousemove", str(start[0]), str(start[1])], check=True)
        subprocess.run(["xdotool", "mousedown", "1"], check=True)
        for i in range(1, 13):  # in steps, as a hand moves: XDND needs motion over the target
            x = start[0] + (target[0] - start[0]) * i // 12
            y = start[1] + (target[1] - start[1]) * i // 12
            subprocess.run(["xdotool", "mousemove", str(x), str(y)], check=True)
            time.sleep(0.08)
        time.sleep(0.5)
        subprocess.run(["xdotool", "mouseup", "1"], check=True)
        out, err = drag.communicate(timeout=30)
        report["source_said"] = out.strip().splitlines()
        # the import: wait until the catalog has the file indexed
        import sqlite3

        deadline = time.monotonic() + 120
        state = None
        while time.monotonic() < deadline:
            try:
                with sqlite3.connect(Path(home) / "catalog.sqlite3") as db:
                    row = db.execute("SELECT state FROM files WHERE path = ?", (file,)).fetchone()
                state = row[0] if row else None
            except sqlite3.Error:
                state = None
            if state == "indexed":
                break
            time.sleep(0.5)
        report["state"] = state
        report["file_still_there"] = Path(file).exists()
    finally:
        for proc in (drag, quire):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    proc.kill()
    print(json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "source":
        sys.exit(source(sys.argv[2:]))
    sys.exit(drive(sys.argv[2], sys.argv[3]))
