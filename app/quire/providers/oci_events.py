"""Reading OCI Generative AI's server-sent events: text deltas, why the answer ended, usage, and
Cohere's grounded citations mapped to Quire's source numbers."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from quire.logfile import private
from quire.providers.base import CUT, FAILED, FINISHED
from quire.providers.grounding import Grounding

log = logging.getLogger(__name__)

# CohereChatResponse.finish_reason and ChatChoice.finish_reason ("length" at max tokens)
FINISH = {
    "COMPLETE": FINISHED,
    "USER_CANCEL": FINISHED,
    "MAX_TOKENS": CUT,
    "ERROR": FAILED,
    "ERROR_TOXIC": FAILED,
    "ERROR_LIMIT": FAILED,
    "stop": FINISHED,
    "tool_calls": FINISHED,
    "length": CUT,
    "content_filter": FAILED,
}
WHY_FAILED = {
    "ERROR_TOXIC": "the service's content moderation stopped the answer (ERROR_TOXIC)",
    "ERROR_LIMIT": "the answer hit a limit of the service (ERROR_LIMIT)",
    "ERROR": "the model failed while answering (ERROR)",
    "content_filter": "the service's content filter stopped the answer (content_filter)",
}


def event_json(data: str) -> dict[str, Any] | None:
    if not data or data.strip() == "[DONE]":
        return None
    try:
        parsed = json.loads(data)
    except ValueError:
        log.warning("oci: skipped a stream event that is not JSON: %s", private(data[:120]))
        return None
    return parsed if isinstance(parsed, dict) else None


def event_text(data: dict[str, Any], api_format: str, so_far: str) -> str:
    if api_format == "COHERE" or data.get("apiFormat") == "COHERE":
        text = str(data.get("text") or "")
        if data.get("finishReason"):  # the last event repeats the whole answer
            return text[len(so_far) :] if text.startswith(so_far) else ""
        return text
    message = data.get("message") or {}
    parts = (message.get("content") or []) if isinstance(message, dict) else []
    return "".join(
        str(p.get("text") or "") for p in parts if isinstance(p, dict) and p.get("type", "TEXT") == "TEXT"
    )


def finish_reason(raw: Any) -> str | None:
    """stop | length | error, or None when the event does not end the answer."""
    if not raw:
        return None
    known = FINISH.get(str(raw))
    if known is None:
        log.info("oci: unknown finishReason %r, taken as a finished answer", raw)
        return FINISHED
    return known


def why_failed(raw: Any) -> str:
    return WHY_FAILED.get(str(raw), f"the service stopped the answer ({raw})")


def _source_number(document_id: Any, sources: int) -> int | None:
    """Quire sends source n as document id "n"; Cohere names documents without one doc_0, doc_1…"""
    text = str(document_id)
    found = re.fullmatch(r"(?:doc_)?(\d+)", text)
    if not found:
        return None
    n = int(found.group(1)) + (1 if text.startswith("doc_") else 0)
    return n if 1 <= n <= sources else None


def citations(data: dict[str, Any], sources: int) -> tuple[Grounding, ...]:
    """Cohere's citations ({start, end, text, documentIds}) as spans backed by source numbers."""
    found: list[Grounding] = []
    for item in data.get("citations") or []:
        if not isinstance(item, dict):
            continue
        numbers = {_source_number(d, sources) for d in item.get("documentIds") or []} - {None}
        start, end = item.get("start"), item.get("end")
        if numbers and isinstance(start, int) and isinstance(end, int):
            found.append(Grounding(start, end, tuple(sorted(n for n in numbers if n is not None))))
    return tuple(found)


def as_int(value: Any) -> int | None:
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else None
