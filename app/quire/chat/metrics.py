"""Per-answer speed figures and their history in metrics.sqlite3, by provider and model."""

from __future__ import annotations

import logging
import sqlite3
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


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

# Added later (older files gain them on open): which model version answered and how it ran, the
# process's memory when it finished, and the user's rating (1 good, -1 bad, NULL not rated).
FACT_COLUMNS = {
    "model_sha256": "TEXT",
    "quantisation": "TEXT",
    "adapter": "TEXT",
    "context": "INTEGER",
    "threads": "INTEGER",
    "gpu_layers": "INTEGER",
    "rss_mb": "REAL",
    "rating": "INTEGER",
    "rated_at": "REAL",
}
_PREFERENCES = """
CREATE TABLE IF NOT EXISTS preferences (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    better INTEGER NOT NULL REFERENCES answers(id),
    worse INTEGER NOT NULL REFERENCES answers(id)
)
"""


STOPPED = "stopped by the user"  # how answer.py records a Stop: the user's choice, not an error


class MetricsLog:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path = path
        with self._connect() as db:
            db.execute(_SCHEMA)
            have = {row[1] for row in db.execute("PRAGMA table_info(answers)")}
            for column, kind in FACT_COLUMNS.items():
                if column not in have:
                    db.execute(f"ALTER TABLE answers ADD COLUMN {column} {kind}")
            db.execute(_PREFERENCES)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self._path, timeout=30)

    def record(
        self,
        provider: str,
        model: str,
        metrics: Metrics,
        fallback_from: str | None = None,
        error: str | None = None,
        facts: dict[str, Any] | None = None,
    ) -> int:
        """Store one answer's figures (and, given, its model facts); returns its id for ratings."""
        extra = {k: v for k, v in (facts or {}).items() if k in FACT_COLUMNS}
        columns = "".join(f", {k}" for k in extra)
        marks = ", ?" * len(extra)
        with self._connect() as db:
            cursor = db.execute(
                "INSERT INTO answers (at, provider, model, ttft_s, total_s, tokens_per_s,"
                f" prompt_tokens, output_tokens, fallback_from, error{columns})"
                f" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?{marks})",
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
                    *extra.values(),
                ),
            )
            return int(cursor.lastrowid or 0)

    def rate(self, answer_id: int, good: bool | None) -> None:
        """Thumbs up (True), down (False) or neither (None) on one answer, beside its figures."""
        value = None if good is None else (1 if good else -1)
        with self._connect() as db:
            db.execute(
                "UPDATE answers SET rating = ?, rated_at = ? WHERE id = ?", (value, time.time(), answer_id)
            )

    def rating(self, answer_id: int) -> bool | None:
        with self._connect() as db:
            row = db.execute("SELECT rating FROM answers WHERE id = ?", (answer_id,)).fetchone()
        return None if row is None or row[0] is None else row[0] > 0

    def prefer(self, better: int, worse: list[int]) -> None:
        """Compare: the user marked `better` as the better answer to the same question."""
        ids = [better, *worse]
        marks = ",".join("?" * len(ids))
        with self._connect() as db:  # a new choice replaces an earlier one between these answers
            db.execute(f"DELETE FROM preferences WHERE better IN ({marks}) OR worse IN ({marks})", ids + ids)
            db.executemany(
                "INSERT INTO preferences (at, better, worse) VALUES (?, ?, ?)",
                [(time.time(), better, other) for other in worse],
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
                    "SELECT ttft_s, tokens_per_s, total_s, fallback_from, error, rss_mb, rating, id"
                    " FROM answers WHERE provider = ? AND model = ? ORDER BY id DESC LIMIT ?",
                    (provider, model, last),
                ).fetchall()
                rated = [r[6] for r in rows if r[6] is not None]
                ids = [r[7] for r in rows]
                wins = (
                    db.execute(
                        f"SELECT count(*) FROM preferences WHERE better IN ({','.join('?' * len(ids))})", ids
                    ).fetchone()[0]
                    if ids
                    else 0
                )
                peaks = [r[5] for r in rows if r[5] is not None]
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
                        "errors": sum(1 for r in rows if r[4] and r[4] != STOPPED),
                        "stopped": sum(1 for r in rows if r[4] == STOPPED),
                        "peak_rss_mb": round(max(peaks), 1) if peaks else None,
                        "rated": len(rated),
                        "rated_good_share": round(sum(1 for r in rated if r > 0) / len(rated), 3)
                        if rated
                        else None,
                        "preferred": wins,
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


def process_rss_mb() -> float | None:
    """This process's resident memory now, in MB (for the local model: weights and KV cache)."""
    try:
        import psutil

        return round(psutil.Process().memory_info().rss / 2**20, 1)
    except Exception:  # psutil missing or refused: the figure is optional
        return None


class AnswerRecorder:
    """Passed to AnswerStream as its metrics log: each answer's figures go to the real log with the
    facts of the provider that answered (model hash, quantisation, adapter, context, threads, GPU
    layers, memory), and the row id is kept so the user can rate that answer."""

    def __init__(self, log: MetricsLog, providers: list[Any]) -> None:
        self.log = log
        self.providers = providers
        self.answer_id: int | None = None

    def record(
        self,
        provider: str,
        model: str,
        metrics: Metrics,
        fallback_from: str | None = None,
        error: str | None = None,
    ) -> int:
        facts: dict[str, Any] = {}
        for candidate in self.providers:
            inner = getattr(candidate, "inner", candidate)  # the auto chain wraps each provider
            if getattr(inner, "name", None) != provider:
                continue
            facts["context"] = getattr(inner, "context_tokens", None)
            describe = getattr(inner, "facts", None)
            if describe is not None:
                try:
                    facts.update(describe())
                except Exception as exc:  # a figure is never worth losing the answer's record
                    log.warning("model facts not recorded: %s", exc)
                facts["rss_mb"] = process_rss_mb()
            break
        self.answer_id = self.log.record(provider, model, metrics, fallback_from, error, facts=facts)
        return self.answer_id
