"""A grounded prompt: numbered sources that fit the model's context, then the question."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from quire.providers.base import Message
from quire.search.retrieve import Hit

# Sources go in the system message and the question alone in the user turn: small models
# (SmolLM2-135M) answer the question instead of summarising the sources that way, and larger
# ones lose nothing (measured on the test corpus).
SYSTEM = (
    "You answer questions about the user's documents using the numbered excerpts below. "
    "Cite the excerpts you use like [1]. If they do not contain the answer, say so."
)
MARGIN_TOKENS = 32  # chat-template tokens around the messages


def source_label(hit: Hit) -> str:
    where = f", {hit.where}" if hit.where else ""
    return f"{Path(hit.path).name}{where}"


def build_messages(
    question: str,
    hits: list[Hit],
    count_tokens: Callable[[str], int],
    context_tokens: int,
    answer_tokens: int,
    system: str = SYSTEM,
    history: list[Message] | None = None,
) -> tuple[list[Message], list[Hit]]:
    """The chat messages, and the hits that fit (numbered [1].. in that order). `history` (the
    chat's recent turns, oldest first) goes between the sources and the question, newest kept first,
    within a quarter of the room."""
    budget = context_tokens - answer_tokens - MARGIN_TOKENS
    budget -= count_tokens(system) + count_tokens(question) + 16
    if budget <= 0:
        raise ValueError(f"the question is too long for a {context_tokens}-token context")
    earlier = recent_turns(history or [], count_tokens, budget // 4)
    budget -= sum(count_tokens(m["content"]) + 4 for m in earlier)
    blocks: list[str] = []
    used: list[Hit] = []
    for hit in hits:
        block = f"[{len(used) + 1}] {source_label(hit)}\n{hit.text}"
        cost = count_tokens(block) + 2
        if cost > budget:
            if budget > 48:  # room for a useful part of this source: cut it to fit
                keep = int(len(block) * budget / cost * 0.9)
                blocks.append(block[:keep] + " …")
                used.append(hit)
            break
        blocks.append(block)
        used.append(hit)
        budget -= cost
    sources = "\n\n".join(blocks) if blocks else "(nothing in the library matches this question)"
    instructions = f"{system}\n\nExcerpts:\n\n{sources}"
    messages: list[Message] = [{"role": "system", "content": instructions}, *earlier]
    return [*messages, {"role": "user", "content": question}], used


HISTORY_TURN_CHARS = 800  # an earlier answer is context for a follow-up, not a source: keep it short


def recent_turns(history: list[Message], count_tokens: Callable[[str], int], budget: int) -> list[Message]:
    """The newest turns that fit `budget` tokens, oldest first, starting with a question."""
    kept: list[Message] = []
    for message in reversed(history):
        text = message["content"]
        if len(text) > HISTORY_TURN_CHARS:
            text = text[:HISTORY_TURN_CHARS].rsplit(" ", 1)[0] + " …"
        cost = count_tokens(text) + 4
        if cost > budget:
            break
        kept.insert(0, {"role": message["role"], "content": text})
        budget -= cost
    while kept and kept[0]["role"] != "user":
        kept.pop(0)
    return kept
