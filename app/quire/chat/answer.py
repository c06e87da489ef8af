"""ask(): retrieve → quick answer → prompt → stream from a provider → checked Answer.

AnswerStream is iterated for text as it arrives (the CLI prints it, the GUI paints it), measures
every provider the same way, falls back before the first token when given a chain, keeps a
partial answer when a provider fails mid-stream, stops an answer that loops, and when the answer
ends checks each sentence against the sources (chat/support.py)."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from quire.chat.grounding import focused
from quire.chat.loop_guard import LoopGuard
from quire.chat.metrics import Metrics, MetricsLog, Stopwatch
from quire.chat.profiles import NOT_ASKED, AnswerProfile, profile_for
from quire.chat.prompt import build_messages
from quire.chat.quick import Evidence, QuickAnswer
from quire.chat.sentences import end_of_sentences
from quire.chat.support import SentenceSupport, SupportCheck, check_support
from quire.errors import ProviderUnavailable
from quire.providers.base import Message, Provider
from quire.providers.grounding import Grounding, cite
from quire.search.retrieve import Hit

log = logging.getLogger(__name__)

REPEATING = "stopped: the model was repeating itself"
CUT_AT_LENGTH = "cut at max_tokens"


@dataclass(frozen=True)
class Citation:
    n: int
    path: str
    page: int | None
    slide: int | None
    heading: str | None = None
    cited: bool = False  # the answer refers to it as [n] (or the claim check matched a sentence to it)
    quoted: str | None = None  # the sentence of it that the quick answer or the answer relies on
    location: str | None = None  # "Sheet1 rows 12–30", "chapter 3": where, when no page or slide says

    @property
    def label(self) -> str:
        where = f" p.{self.page}" if self.page else f" slide {self.slide}" if self.slide else ""
        where = where or (f" {self.location}" if self.location else "")
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
    # "repeating" | "length" | "user" | "error" | "sentences" (as many as its profile allows) |
    # "not_found" (nothing to quote: the model was not asked, see AnswerProfile.needs_quote);
    # None = the model ended it
    stop_reason: str | None = None
    quick_answer: QuickAnswer | None = None
    support: list[SentenceSupport] = field(default_factory=list)
    unsupported_answer: bool = False  # its key claims are all missing from the sources
    mode: str = "passages"  # "passages" (retrieved chunks) | "documents" (per-document overviews)

    @property
    def notice(self) -> str | None:
        """One sentence on how the answer ended, when it did not end by itself."""
        if self.stop_reason == "repeating":
            return REPEATING
        if self.stop_reason == "length":
            return f"{CUT_AT_LENGTH}: the answer is incomplete"
        return None


class AnswerStream:
    def __init__(
        self,
        question: str,
        hits: list[Hit],
        providers: list[Provider],
        *,
        max_tokens: int = 0,
        temperature: float | None = None,
        metrics_log: MetricsLog | None = None,
        evidence: Evidence | None = None,
        quick: QuickAnswer | None = None,
        mode: str = "passages",
        profile: AnswerProfile | None = None,
        loop_guard: bool = True,
        history: list[Message] | None = None,
        system: str | None = None,
    ) -> None:
        if not providers:
            raise ProviderUnavailable("auto", "no provider is configured")
        self.question = question
        self.hits = hits
        self.evidence = evidence
        self.quick = quick
        self.mode = mode
        self._providers = providers
        self._max_tokens = max_tokens  # 0 = by the model's size (chat/profiles.py)
        self._temperature = temperature
        self._log = metrics_log
        self._stop = threading.Event()
        self._watch = Stopwatch()
        self._parts: list[str] = []
        self._result: Answer | None = None
        self.provider: Provider = providers[0]
        self.profile: AnswerProfile | None = profile  # None = chosen per provider by its model's size
        self._fixed_profile = profile
        self._loop_guard = loop_guard
        self.used_hits: list[Hit] = hits
        self.fallback_from: str | None = None
        self.fallback_reason: str | None = None
        self.timings: dict[str, float] = {}  # retrieval_s, quick_s: set by whoever prepared the sources
        self.history = history or []  # the chat's recent turns (chat/chats.py)
        self.system = system  # other instructions (set questions: chat/collection.py)

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
                    self._finish(provider, error=f"{exc.reason} (answer incomplete)", stop_reason="error")
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
        profile = self.profile = self._fixed_profile or profile_for(
            provider, self._max_tokens, self._temperature
        )
        documents = self.mode == "documents"
        if profile.needs_quote and not documents and self.system is None and self._nothing_to_quote():
            self._parts.append(NOT_ASKED)
            yield NOT_ASKED
            self._finish(provider, output_tokens=0, stop_reason="not_found")
            return
        sources = self.hits if documents else self.hits[: profile.sources]
        if profile.focus and not documents and self.evidence is not None:
            sources = focused(self.evidence)[: profile.sources]
        messages, used = build_messages(
            self.question,
            sources,
            provider.count_tokens,
            provider.context_tokens,
            profile.max_tokens,
            system=self.system or (profile.documents if documents else profile.system),
            history=self.history,
        )
        self.used_hits = used
        self._watch = Stopwatch()
        prompt_tokens: int | None = None
        output_tokens: int | None = None
        finish: str | None = None
        groundings: list[Grounding] = []
        guard = LoopGuard()
        budget = profile.max_sentences if not documents and self.system is None else 0
        events = provider.stream(messages, max_tokens=profile.max_tokens, sampling=profile.sampling)
        try:
            for event in events:
                if event.request_sent and self._watch.first is None:
                    # #19: TTFT counts from the request the answer came from, not from set-up
                    log.info(
                        "%s: %.3f s of set-up (client, keys, retry waits) before the request",
                        provider.name,
                        time.perf_counter() - self._watch.sent,
                    )
                    self._watch = Stopwatch()
                groundings.extend(event.citations)
                if event.text:
                    self._watch.token()
                    self._parts.append(event.text)
                    cut = guard.feed(event.text) if self._loop_guard else None
                    reason = "repeating"
                    if cut is None and budget:
                        cut, reason = end_of_sentences(self.text, budget), "sentences"
                    if cut is not None:
                        yield from self._trim(cut)
                        finish = reason
                        break
                    yield event.text
                if event.prompt_tokens is not None:
                    prompt_tokens = event.prompt_tokens
                if event.output_tokens is not None:
                    output_tokens = event.output_tokens
                finish = event.finish_reason or finish
                if self._stop.is_set():
                    finish = "user"
                    break
        finally:
            close = getattr(events, "close", None)
            if close:
                close()
        if prompt_tokens is None:
            prompt_tokens = sum(provider.count_tokens(m["content"]) for m in messages)
        if groundings and finish != "repeating":  # #19: the service's own citations (Cohere's) as [n]
            self._parts = [cite(self.text, groundings)]
        if finish is None and output_tokens is not None and output_tokens >= profile.max_tokens:
            finish = "length"
        stopped = "stopped by the user" if finish == "user" else None
        self._finish(
            provider,
            prompt_tokens=prompt_tokens,
            output_tokens=output_tokens,
            error=stopped,
            stop_reason=finish,
        )

    def _nothing_to_quote(self) -> bool:
        return self.evidence is not None and self.quick is not None and not self.quick.sentences

    def _trim(self, keep: int) -> Iterator[str]:
        """Drop the repeat: the parts are cut back to `keep` characters. Text already shown stays
        shown (the GUI and CLI repaint from the final answer); this piece yields what of it is kept."""
        text = self.text
        shown = len(text) - len(self._parts[-1])
        self._parts = [text[:keep]]
        if keep > shown:
            yield text[shown:keep]

    def _finish(
        self,
        provider: Provider,
        *,
        prompt_tokens: int = 0,
        output_tokens: int | None = None,
        error: str | None = None,
        stop_reason: str | None = None,
    ) -> None:
        metrics = self._watch.metrics(prompt_tokens, output_tokens)
        text = self.text.strip()
        check = self._check(text) if stop_reason != "not_found" else None  # (Quire's own words)
        text = check.cited_text if check else text
        quoted = self._quoted()
        citations = [
            Citation(
                n,
                hit.path,
                hit.page,
                hit.slide,
                hit.heading,
                cited=re.search(rf"\[{n}\]", text) is not None or n in quoted,
                quoted=quoted.get(n),
                location=hit.location,
            )
            for n, hit in enumerate(self.hits, start=1)
        ]
        self._result = Answer(
            text,
            citations,
            provider.name,
            provider.model,
            self.fallback_from,
            metrics,
            error,
            partial=stop_reason in {"user", "error"},
            fallback_reason=self.fallback_reason if self.fallback_from else None,
            stop_reason=stop_reason,
            quick_answer=self.quick,
            support=check.sentences if check else [],
            unsupported_answer=bool(check and check.all_unsupported),
            mode=self.mode,
        )
        if self._log is not None and stop_reason != "not_found":  # (no model wrote it: no figures)
            self._log.record(provider.name, provider.model, metrics, self.fallback_from, error)

    def _check(self, text: str) -> SupportCheck | None:
        if self.evidence is None or not text:
            return None
        try:  # against every retrieved source, not only those in the prompt: the user sees them all
            return check_support(text, self.evidence)
        except Exception:  # the check is a help, never a reason to lose the answer
            log.warning("claim check failed", exc_info=True)
            return None

    def _quoted(self) -> dict[int, str]:
        """The sentence each source contributes to the quick answer."""
        if self.quick is None:
            return {}
        quoted: dict[int, str] = {}
        for sentence in self.quick.sentences:
            quoted.setdefault(sentence.n, sentence.text)
        return quoted

    def result(self) -> Answer:
        """The finished answer; iterates to the end first if nobody has."""
        if self._result is None:
            for _ in self:
                pass
        assert self._result is not None
        return self._result
