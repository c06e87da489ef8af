"""Logging goes to logs/quire.log in the data dir; libraries' warnings never reach the terminal."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

_configured = False


def setup_logging(log_dir: Path, level: int = logging.INFO) -> Path:
    global _configured
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / "quire.log"
    if _configured:
        return path
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=5 * 2**20, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # pypdf and fontTools log a flood of font warnings on ordinary PDFs: file them, quietly.
    for noisy in ("pypdf", "fontTools", "chromadb", "httpx", "urllib3", "sentence_transformers", "oci"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    logging.captureWarnings(True)
    _configured = True
    return path
