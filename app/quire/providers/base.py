"""The Provider protocol: one way to stream an answer, whoever writes it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from quire.providers.grounding import Grounding

FINISHED = "stop"  # finish_reason: the model ended the answer itself
CUT = "length"  # it stopped at max_tokens: the answer is partial
FAILED = "error"  # the service stopped it (a moderation or service error): partial, say so


@dataclass(frozen=True)
class TokenEvent:
    """A piece of streamed text; the last event may carry the provider's own token counts, why
    the answer ended and the service's own citations. An event with `request_sent` (and nothing
    else) marks the moment the request left: TTFT is timed from the last such mark, so a
    provider's local set-up (client, keys) and its retry waits are not counted as the service's."""

    text: str = ""
    prompt_tokens: int | None = None
    output_tokens: int | None = None
    finish_reason: str | None = None  # "length" when cut at max_tokens, "error" when the model failed
    citations: tuple[Grounding, ...] = ()  # spans of the answer the service grounded in sources [n]
    request_sent: bool = False


@dataclass(frozen=True)
class SamplingOptions:
    """How to sample the answer; each provider uses what its API supports and ignores the rest."""

    temperature: float = 0.2
    top_k: int = 40
    top_p: float = 0.95
    min_p: float = 0.05
    repeat_penalty: float = 1.0  # llama.cpp's multiplicative penalty over the last penalty_last_n tokens
    penalty_last_n: int = 64
    presence_penalty: float = 0.0  # OpenAI-style additive penalties
    frequency_penalty: float = 0.0
    dry_multiplier: float = 0.0  # llama.cpp's DRY ("don't repeat yourself") sampler; 0 = off
    dry_base: float = 1.75
    dry_allowed_length: int = 2
    dry_penalty_last_n: int = -1  # -1 = the whole context (as penalty_last_n = -1)
    dry_sequence_breakers: tuple[str, ...] = ("\n", ":", '"', "*")  # llama.cpp's: DRY never spans these
    seed: int | None = None


@dataclass(frozen=True)
class ProviderHealth:
    ok: bool
    model: str
    error: str | None = None
    latency_ms: float | None = None
    checked: str | None = None  # what an ok means, when less than "it will answer"
    configured: bool = True  # False: its settings are missing (the window offers "Set up…")


Message = dict[str, str]  # {"role": "system" | "user" | "assistant", "content": str}


class Provider(Protocol):
    name: str

    @property
    def model(self) -> str:
        """The model that will answer, as the user would name it."""

    @property
    def context_tokens(self) -> int:
        """How many tokens prompt and answer may use together."""

    def count_tokens(self, text: str) -> int:
        """Tokens this text costs in the model's prompt (an estimate where exact is not known)."""

    def health(self) -> ProviderHealth:
        """Whether it can answer now, and why not; quick (a short timeout, no generation)."""

    def stream(
        self, messages: list[Message], *, max_tokens: int, sampling: SamplingOptions
    ) -> Iterator[TokenEvent]:
        """Yield the answer as it is written; raise ProviderUnavailable when it cannot."""
