"""ask(): retrieve → prompt → stream from a provider → Answer(text, citations, metrics).

AnswerStream is iterated for text as it arrives (the CLI prints it, the GUI paints it), measures
every provider the same way, falls back before the first token when given a chain, keeps a
partial answer when a provider fails mid-stream, and writes each answer's figures to the log."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from quire.chat.metrics import Metrics, MetricsLog, Stopwatch
from quire.chat.prompt import build_messages
from quire.errors import ProviderUnavailable
from quire.providers.base import Provider
from quire.search.retrieve import Hit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Citation:
    n: int
    path: str
    page: int | None
    slide: int | None
    heading: str | None = None
    cited: bool = False  # the answer refers to it as [n]

    @property
    def label(self) -> str:
        where = f" p.{self.page}" if self.page else f" slide {self.slide}" if self.slide else ""
        return f"[{self.n}] {Path(self.path).name}{where}"


@dataclass(frozen=True)
class Answer:
    answer: str
    citations: list[Citation]
    provider: str
    model: str
    fallback_from: str | None
    metrics: Metrics
    error: str | None = None
    partial: bool = False
    fallback_reason: str | None = None  # why fallback_from could not answer


class AnswerStream:
    def __init__(
        self,
        question: str,
        hits: list[Hit],
        providers: list[Provider],
        *,
        max_tokens: int,
        temperature: float,
        metrics_log: MetricsLog | None = None,
    ) -> None:
        if not providers:
            raise ProviderUnavailable("auto", "no provider is configured")
        self.question = question
        self.hits = hits
        self._providers = providers
        self._max_tokens = max_tokens
        self._temperature = temperature
        self._log = metrics_log
        self._stop = threading.Event()
        self._watch = Stopwatch()
        self._parts: list[str] = []
        self._result: Answer | None = None
        self.provider: Provider = providers[0]
        self.fallback_from: str | None = None
        self.fallback_reason: str | None = None

    def stop(self) -> None:
        """Stop generating; what was written so far is kept."""
        self._stop.set()

    @property
    def text(self) -> str:
        return "".join(self._parts)

    def live_metrics(self) -> Metrics:
        return self._watch.metrics(prompt_tokens=0)

    def __iter__(self) -> Iterator[str]:
        failures: list[str] = []
        for provider in self._providers:
            self.provider = provider
            try:
                yield from self._stream_from(provider)
                return
            except ProviderUnavailable as exc:
                if self._parts:  # mid-stream: keep the partial answer, never switch mid-sentence
                    self._finish(provider, error=f"{exc.reason} (answer incomplete)", partial=True)
                    return
                log.info("provider %s unavailable: %s", provider.name, exc.reason)
                failures.append(str(exc))
                if self.fallback_from is None:
                    self.fallback_from = provider.name
                    self.fallback_reason = exc.reason
                self._watch = Stopwatch()
        self.fallback_from = None
        error = ProviderUnavailable(
            self._providers[-1].name if len(self._providers) == 1 else "auto",
            "; ".join(failures) if len(failures) > 1 else failures[0].split(": ", 1)[-1],
        )
        if self._log is not None:  # an answer that never came is a figure too (errors per provider)
            last = self._providers[-1]
            fell_back = self._providers[0].name if len(self._providers) > 1 else None
            self._log.record(last.name, last.model, self._watch.metrics(0), fell_back, str(error))
        raise error

    def _stream_from(self, provider: Provider) -> Iterator[str]:
        messages, used = build_messages(
            self.question,
            self.hits,
            provider.count_tokens,
            provider.context_tokens,
            self._max_tokens,
        )
        self.used_hits = used
        self._watch = Stopwatch()
        prompt_tokens: int | None = None
        output_tokens: int | None = None
        events = provider.stream(messages, max_tokens=self._max_tokens, temperature=self._temperature)
        try:
            for event in events:
                if event.text:
                    self._watch.token()
                    self._parts.append(event.text)
                    yield event.text
                if event.prompt_tokens is not None:
                    prompt_tokens = event.prompt_tokens
                if event.output_tokens is not None:
                    output_tokens = event.output_tokens
                if self._stop.is_set():
                    break
        finally:
            close = getattr(events, "close", None)
            if close:
                close()
        if prompt_tokens is None:
            prompt_tokens = sum(provider.count_tokens(m["content"]) for m in messages)
        stopped = "stopped by the user" if self._stop.is_set() else None
        self._finish(
            provider,
            prompt_tokens=prompt_tokens,
            output_tokens=output_tokens,
            error=stopped,
            partial=bool(stopped),
        )

    def _finish(
        self,
        provider: Provider,
        *,
        prompt_tokens: int = 0,
        output_tokens: int | None = None,
        error: str | None = None,
        partial: bool = False,
    ) -> None:
        metrics = self._watch.metrics(prompt_tokens, output_tokens)
        text = self.text.strip()
        used = getattr(self, "used_hits", self.hits)
        citations = [
            Citation(
                n, hit.path, hit.page, hit.slide, hit.heading, cited=re.search(rf"\[{n}\]", text) is not None
            )
            for n, hit in enumerate(used, start=1)
        ]
        self._result = Answer(
            text,
            citations,
            provider.name,
            provider.model,
            self.fallback_from,
            metrics,
            error,
            partial,
            self.fallback_reason if self.fallback_from else None,
        )
        if self._log is not None:
            self._log.record(provider.name, provider.model, metrics, self.fallback_from, error)

    def result(self) -> Answer:
        """The finished answer; iterates to the end first if nobody has."""
        if self._result is None:
            for _ in self:
                pass
        assert self._result is not None
        return self._result
