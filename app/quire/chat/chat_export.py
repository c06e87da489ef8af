"""A chat as Markdown: each question and answer, the filter it was asked within, and its
citations as links to the file (and page) with the quoted passage."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any


def source_line(source: dict[str, Any]) -> str:
    path = str(source.get("path", ""))
    name = Path(path).name or path
    page, slide, heading = source.get("page"), source.get("slide"), source.get("heading")
    where = f" p.{page}" if page else f" slide {slide}" if slide else f" § {heading}" if heading else ""
    link = Path(path).as_uri() if Path(path).is_absolute() else path
    if page:
        link += f"#page={page}"
    date = f" ({source['date']})" if source.get("date") else ""
    mark = "" if source.get("cited", True) else " (not cited)"
    return f"[{source.get('n', '?')}] [{name}{where}]({link.replace(' ', '%20')}){date}{mark}"


def chat_markdown(chat: Any, turns: list[Any]) -> str:
    """`chat` is a ChatSummary, `turns` its Turns."""
    started = dt.datetime.fromtimestamp(chat.created_at).strftime("%Y-%m-%d %H:%M")
    lines = [f"# {chat.title or f'Chat {chat.id}'}", "", f"Chat {chat.id} · started {started}", ""]
    for turn in turns:
        data = turn.data
        when = dt.datetime.fromtimestamp(turn.at).strftime("%Y-%m-%d %H:%M")
        if turn.role == "user":
            lines += [f"## {_one_line(turn.text)}", "", f"*Asked {when}*", ""]
            if "\n" in turn.text.strip():
                lines += [_quote(turn.text), ""]
            continue
        label = (data.get("filter") or {}).get("label")
        if label:
            lines += [f"*Within: {label}*", ""]
        lines += [turn.text.strip() or "*(no answer)*", ""]
        for note in (data.get("notice"), data.get("error")):
            if note:
                lines += [f"> {note}", ""]
        by = " · ".join(p for p in (data.get("provider"), data.get("model")) if p)
        if by:
            lines += [f"*Answered by {by}, {when}*", ""]
        sources = data.get("sources") or []
        if sources:
            lines += ["**Sources**", ""]
            for source in sources:
                lines.append(f"- {source_line(source)}")
                text = " ".join(str(source.get("text", "")).split())
                if text:
                    lines.append(f"  > {text[:300]}{'…' if len(text) > 300 else ''}")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= 120 else line[:119] + "…"


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" for line in text.strip().splitlines())
