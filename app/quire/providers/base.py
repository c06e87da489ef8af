"""The Provider protocol: one way to stream an answer, whoever writes it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class TokenEvent:
    """A piece of streamed text; the last event may carry the provider's own token counts."""

    text: str = ""
    prompt_tokens: int | None = None
    output_tokens: int | None = None


@dataclass(frozen=True)
class ProviderHealth:
    ok: bool
    model: str
    error: str | None = None
    latency_ms: float | None = None


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

    def stream(self, messages: list[Message], *, max_tokens: int, temperature: float) -> Iterator[TokenEvent]:
        """Yield the answer as it is written; raise ProviderUnavailable when it cannot."""
