"""A provider's own citations: which source numbers back which span of the answer, and the
answer text with those [n] markers written in where the model did not write them itself."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Grounding:
    """Characters start:end of the streamed answer are backed by sources `sources` (Quire's [n])."""

    start: int
    end: int
    sources: tuple[int, ...]


def cite(text: str, groundings: Iterable[Grounding]) -> str:
    """`text` with "[n]" after each grounded span, unless that [n] is already right there."""
    inserts: dict[int, list[int]] = {}
    for grounding in groundings:
        end = min(max(grounding.end, 0), len(text))
        inserts.setdefault(end, [])
        for n in grounding.sources:
            if n not in inserts[end]:
                inserts[end].append(n)
    out = text
    for span_end in sorted(inserts, reverse=True):
        end = span_end
        while end < len(out) and re.match(r"\w", out[end]):  # a span may end mid-word
            end += 1
        already = {int(n) for n in re.findall(r"\[(\d+)\]", out[end : end + 16])}
        marks = "".join(f"[{n}]" for n in sorted(inserts[span_end]) if n not in already)
        out = out[:end] + marks + out[end:]
    return out
