"""How the `quire` command writes to a terminal: JSON, a one-line progress bar, short figures."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def print_skipped(skipped: list[Any]) -> None:
    by_reason: dict[str, int] = {}
    for item in skipped:
        by_reason[item.error] = by_reason.get(item.error, 0) + 1
    for reason, count in sorted(by_reason.items()):
        print(f"  skipped {count} file{'s' * (count != 1)}: {reason}")


class ProgressBar:
    """One line on stderr: files, a bar by bytes, an ETA, and the current file."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.width = 28

    def update(self, event: Any) -> None:
        share = event.bytes_done / event.bytes_total if event.bytes_total else 1.0
        filled = int(share * self.width)
        elapsed = time.monotonic() - self.started
        eta = f"{elapsed / share - elapsed:4.0f}s left" if 0.02 < share < 1 else ""
        name = Path(event.path).name[:30]
        stage = f"ocr {event.page}/{event.pages}" if getattr(event, "pages", 0) else event.stage
        total = getattr(event, "vectors_total", 0)
        vectors = f" vectors {event.vectors_done}/{total}" if total else ""
        line = (
            f"\r[{'#' * filled}{'.' * (self.width - filled)}] {event.files_done}/"
            f"{event.files_total}{vectors} {eta:>9} {stage:<9} {name:<30}"
        )
        sys.stderr.write(line)
        sys.stderr.flush()

    def close(self) -> None:
        clear_line()


def fmt(value: float | None, unit: str = "") -> str:
    return "–" if value is None else f"{value:.2f}{unit}"


def clear_line() -> None:
    sys.stderr.write("\r" + " " * 100 + "\r")
    sys.stderr.flush()


def sync_line(event: Any) -> None:
    sys.stderr.write(f"\r{event.done}/{event.total} {event.action:<10} {Path(event.path).name[:50]:<50}")
    sys.stderr.flush()
