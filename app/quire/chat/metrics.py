"""Per-answer speed figures and their history in metrics.sqlite3, by provider and model."""

from __future__ import annotations

import sqlite3
import statistics
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Metrics:
    ttft_s: float | None
    total_s: float
    prompt_tokens: int
    output_tokens: int
    tokens_per_s: float | None


class Stopwatch:
    """Times a streamed answer the same way for every provider (providers never time themselves).

    TTFT = first token − request sent; total = last token − request sent;
    tokens/s = output tokens ÷ (last token − first token)."""

    def __init__(self) -> None:
        self.sent = time.perf_counter()
        self.first: float | None = None
        self.last: float | None = None
        self.tokens = 0

    def token(self, count: int = 1) -> None:
        now = time.perf_counter()
        if self.first is None:
            self.first = now
        self.last = now
        self.tokens += count

    def metrics(self, prompt_tokens: int, output_tokens: int | None = None) -> Metrics:
        now = time.perf_counter()
        output = self.tokens if output_tokens is None else output_tokens
        ttft = None if self.first is None else self.first - self.sent
        last = self.last if self.last is not None else now
        span = (last - self.first) if self.first is not None else 0.0
        # the first token opens the window, so it is not counted in the rate
        rate = (output - 1) / span if span > 0 and output > 1 else None
        return Metrics(
            ttft_s=None if ttft is None else round(ttft, 4),
            total_s=round(last - self.sent, 4),
            prompt_tokens=prompt_tokens,
            output_tokens=output,
            tokens_per_s=None if rate is None else round(rate, 2),
        )


_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    ttft_s REAL,
    total_s REAL,
    tokens_per_s REAL,
    prompt_tokens INTEGER,
    output_tokens INTEGER,
    fallback_from TEXT,
    error TEXT
)
"""


class MetricsLog:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path = path
        with self._connect() as db:
            db.execute(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self._path, timeout=30)

    def record(
        self,
        provider: str,
        model: str,
        metrics: Metrics,
        fallback_from: str | None = None,
        error: str | None = None,
    ) -> None:
        with self._connect() as db:
            db.execute(
                "INSERT INTO answers (at, provider, model, ttft_s, total_s, tokens_per_s,"
                " prompt_tokens, output_tokens, fallback_from, error)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    time.time(),
                    provider,
                    model,
                    metrics.ttft_s,
                    metrics.total_s,
                    metrics.tokens_per_s,
                    metrics.prompt_tokens,
                    metrics.output_tokens,
                    fallback_from,
                    error,
                ),
            )

    def recent(self, limit: int = 200) -> list[dict[str, object]]:
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            rows = db.execute("SELECT * FROM answers ORDER BY id DESC LIMIT ?", (limit,))
            return [dict(row) for row in rows]

    def summary(self, last: int = 100) -> list[dict[str, object]]:
        """Medians and p95 of TTFT and tokens/s over the last answers of each provider/model."""
        with self._connect() as db:
            pairs = db.execute("SELECT DISTINCT provider, model FROM answers").fetchall()
            out = []
            for provider, model in pairs:
                rows = db.execute(
                    "SELECT ttft_s, tokens_per_s, total_s, fallback_from, error FROM answers"
                    " WHERE provider = ? AND model = ? ORDER BY id DESC LIMIT ?",
                    (provider, model, last),
                ).fetchall()
                out.append(
                    {
                        "provider": provider,
                        "model": model,
                        "answers": len(rows),
                        "ttft_s_median": _median([r[0] for r in rows]),
                        "ttft_s_p95": _p95([r[0] for r in rows]),
                        "tokens_per_s_median": _median([r[1] for r in rows]),
                        "tokens_per_s_p95": _p95([r[1] for r in rows]),
                        "total_s_median": _median([r[2] for r in rows]),
                        "fallbacks": sum(1 for r in rows if r[3]),
                        "errors": sum(1 for r in rows if r[4]),
                    }
                )
            return out


def _median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(statistics.median(present), 4) if present else None


def _p95(values: list[float | None]) -> float | None:
    present = sorted(v for v in values if v is not None)
    if not present:
        return None
    return round(present[min(len(present) - 1, int(0.95 * len(present)))], 4)
