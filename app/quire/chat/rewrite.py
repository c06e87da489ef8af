"""A follow-up rewritten by the model into a question that stands alone ("and how long does it
last?" → "How long does the Acme pilot last?"), for the models measured to do it reliably.

`quire bench --only questions` measures it per model on the two-turn pairs of bench/meetings.py
(the rewrite's retrieval must find the right document): with SmolLM2-135M and Gemma 3 270M the
rules in query.py did better, so chat.rewrite defaults to "rules"; "model" uses this."""

from __future__ import annotations

import re
from collections.abc import Callable

from quire.chat.query import PriorTurn, content_words
from quire.errors import ProviderUnavailable
from quire.providers.base import Provider, SamplingOptions

INSTRUCTIONS = (
    "Rewrite the follow-up question so that it can be understood without the conversation: put in "
    "the names and things it refers to. Reply with the rewritten question only."
)
EXAMPLE = (
    "Previous question: What is the budget of Project Falcon?\nFollow-up: and who leads it?",
    "Who leads Project Falcon?",
)
SAMPLING = SamplingOptions(temperature=0.0, top_k=1, repeat_penalty=1.1)


def model_rewriter(provider: Provider, max_tokens: int = 48) -> Callable[[str, PriorTurn], str | None]:
    """A `rewrite` for query.understand: the model's standalone question, or None when it gives
    nothing usable (then the rules' rewrite stands)."""

    def rewrite(question: str, prior: PriorTurn) -> str | None:
        messages = [
            {"role": "system", "content": INSTRUCTIONS},
            {"role": "user", "content": EXAMPLE[0]},
            {"role": "assistant", "content": EXAMPLE[1]},
            {"role": "user", "content": f"Previous question: {prior.question}\nFollow-up: {question}"},
        ]
        try:
            text = "".join(
                e.text for e in provider.stream(messages, max_tokens=max_tokens, sampling=SAMPLING)
            )
        except ProviderUnavailable:
            return None
        return usable(text, question)

    return rewrite


def usable(text: str, question: str) -> str | None:
    """The first line, unquoted; None when empty, runaway, or unrelated to the follow-up."""
    line = next((part.strip() for part in text.strip().splitlines() if part.strip()), "")
    line = re.sub(r"^(?:rewritten question|standalone question|question)\s*:\s*", "", line, flags=re.I)
    line = line.strip(" \"'“”")
    if not line or len(line) > 4 * max(40, len(question)):
        return None
    own = set(content_words(question))
    if own and not own & set(content_words(line)):
        return None
    return line
