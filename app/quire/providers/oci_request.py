"""The OCI Generative AI chat request: on-demand or dedicated serving, COHERE or GENERIC format,
and for Cohere the retrieved sources sent as `documents` so the service grounds its own citations."""

from __future__ import annotations

import re
from typing import Any

from quire.providers.base import Message

ON_DEMAND_MAX_TOKENS = 4000  # "For on-demand inferencing, the response length is capped at 4,000 tokens"
ENDPOINT_PREFIX = (
    "ocid1.generativeaiendpoint."  # a dedicated AI cluster's endpoint (imported/fine-tuned models)
)
_SOURCE = re.compile(r"^\[(\d+)\] (.*)$", re.M)


def api_format_for(model_id: str, setting: str) -> str:
    """COHERE for Cohere's models, GENERIC (messages) for Meta, xAI, OpenAI and the rest. An
    endpoint OCID says nothing of its model: GENERIC unless providers.oci.api_format says COHERE."""
    if setting.upper() in {"COHERE", "GENERIC"}:
        return setting.upper()
    return "COHERE" if model_id.lower().startswith("cohere.") else "GENERIC"


def is_dedicated(model_id: str) -> bool:
    return model_id.startswith(ENDPOINT_PREFIX)


def answer_tokens(model_id: str, max_tokens: int) -> int:
    """max_tokens as the service accepts it: on demand, at most 4,000 per answer."""
    return max_tokens if is_dedicated(model_id) else min(max_tokens, ON_DEMAND_MAX_TOKENS)


def split_sources(system: str) -> tuple[str, list[dict[str, str]]]:
    """The system prompt's instructions, and its numbered excerpts ("[n] label" then the text, the
    last thing in it, numbered 1, 2, … as chat/prompt.py writes them) as Cohere documents whose
    ids are those numbers. ([], the prompt unchanged) when it holds no such run of excerpts."""
    found = list(_SOURCE.finditer(system))
    if not found or [int(m.group(1)) for m in found] != list(range(1, len(found) + 1)):
        return system, []
    documents = []
    for i, match in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(system)
        documents.append(
            {"id": match.group(1), "title": match.group(2), "snippet": system[match.end() : end].strip()}
        )
    preamble = system[: found[0].start()].rstrip()
    preamble = re.sub(r"\n+[^\n]{0,40}:$", "", preamble)  # the "Excerpts:" heading, now empty
    return preamble, documents


def chat_details(
    compartment: str,
    model_id: str,
    api_format: str,
    messages: list[Message],
    *,
    max_tokens: int,
    temperature: float,
) -> Any:
    """The SDK's ChatDetails. Raises TypeError/ValueError when the installed SDK lacks a field."""
    from oci.generative_ai_inference import models as m

    if api_format == "COHERE":
        system = "\n\n".join(msg["content"] for msg in messages if msg["role"] == "system")
        preamble, documents = split_sources(system)
        turns = [msg for msg in messages if msg["role"] != "system"]
        history = [
            m.CohereUserMessage(message=t["content"])
            if t["role"] == "user"
            else m.CohereChatBotMessage(message=t["content"])
            for t in turns[:-1]
        ]
        request: Any = m.CohereChatRequest(
            message=turns[-1]["content"] if turns else "",
            chat_history=history or None,
            preamble_override=preamble or None,
            documents=documents or None,
            max_tokens=max_tokens,
            temperature=temperature,
            is_stream=True,
            stream_options=m.StreamOptions(is_include_usage=True),
        )
    else:
        kinds = {"system": m.SystemMessage, "user": m.UserMessage, "assistant": m.AssistantMessage}
        request = m.GenericChatRequest(
            messages=[kinds[msg["role"]](content=[m.TextContent(text=msg["content"])]) for msg in messages],
            max_tokens=max_tokens,
            temperature=temperature,
            is_stream=True,
            stream_options=m.StreamOptions(is_include_usage=True),
        )
    serving = (
        m.DedicatedServingMode(endpoint_id=model_id)
        if is_dedicated(model_id)
        else m.OnDemandServingMode(model_id=model_id)
    )
    return m.ChatDetails(compartment_id=compartment, serving_mode=serving, chat_request=request)
