"""`quire chats` (list, show, export, delete) and what `quire search` and `quire ask` take from
issue #14: --since/--until/--in, --chat, and the filter, chat and documents in their output."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from quire.terminal import print_json


def add_filter_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--since", metavar="DATE", help='only documents dated on or after DATE ("2021-10-01", "last monday")'
    )
    parser.add_argument("--until", metavar="DATE", help="only documents dated on or before DATE")
    parser.add_argument(
        "--in",
        dest="within",
        action="append",
        metavar="PATH|KIND",
        help="only this folder or file (a path or a name), or kind: notes, pdf, slides (repeatable)",
    )


def add_chat_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--chat", type=int, metavar="ID", help="continue chat ID (follow-ups use its recent turns)"
    )


def add_chats_parser(sub: Any) -> None:
    chats = sub.add_parser(
        "chats",
        help="conversations: list, show, export as Markdown, delete",
        description="Chats are kept in chats.sqlite3 in the data dir; `quire ask --chat ID` continues one.",
    )
    chats.add_argument("action", nargs="?", default="list", choices=["list", "show", "export", "delete"])
    chats.add_argument("id", nargs="?", type=int, metavar="ID")
    chats.add_argument(
        "--search", metavar="WORDS", help="list only chats whose title or text has these words"
    )
    chats.add_argument("-o", "--output", type=Path, metavar="FILE", help="export: write here, not to stdout")
    chats.add_argument("--json", action="store_true")


def explicit_filter(args: argparse.Namespace) -> Any:
    from quire.chat.query import explicit_filter as build

    return build(getattr(args, "since", None), getattr(args, "until", None), getattr(args, "within", None))


def search_extras(quire: Any, query_filter: Any) -> dict[str, Any]:
    if query_filter is None or not query_filter.active:
        return {"filter": None}
    within = quire.resolve_filter(query_filter)
    return {
        "filter": {
            **(query_filter.to_json() or {}),
            "label": within.describe(),
            "documents": len(within.files),
        }
    }


def ask_extras(stream: Any) -> dict[str, Any]:
    """The keys DESIGN.md adds to ask's JSON: filter, chat, documents (set questions), query."""
    from quire.chat.collection import documents_answer_json
    from quire.chat.plan import _filter_json

    query = getattr(stream, "query", None)
    within = getattr(stream, "within", None)
    documents = documents_answer_json(stream)
    return {
        "filter": _filter_json(query, within) if within is not None else None,
        "chat": getattr(stream, "chat", None),
        "documents": documents or None,
        "query": query.to_json() if query is not None else None,
        "scope_note": getattr(stream, "scope_note", None),  # a named period answered from its mentions
    }


def record_turns(quire: Any, chat: int, question: str, stream: Any, answer: Any) -> None:
    from quire.chat.plan import turn_data

    quire.chats.add_turn(chat, "user", question)
    quire.chats.add_turn(chat, "assistant", answer.answer, turn_data(stream, answer))


def progress_line(event: Any) -> None:
    """A set question's progress on the terminal: "reading 3 of 5 meetings…"."""
    sys.stderr.write(f"\r\x1b[2K{event.text()}…")
    sys.stderr.flush()
    if event.stage == "answering":
        sys.stderr.write("\r\x1b[2K")


def cmd_chats(args: argparse.Namespace, settings: Any) -> int:
    from quire.chat.chats import ChatStore

    store = ChatStore(settings.chats_path)
    if args.action != "list" and args.id is None:
        print(f"quire chats {args.action}: name a chat ID (see `quire chats`)", file=sys.stderr)
        return 2
    if args.action == "list":
        chats = store.chats(args.search or "")
        if args.json:
            print_json({"chats": [vars_of(c) for c in chats]})
            return 0
        if not chats:
            print("no chats yet (`quire ask QUESTION` starts one)")
        for chat in chats:
            when = dt.datetime.fromtimestamp(chat.updated_at).strftime("%Y-%m-%d %H:%M")
            print(f"{chat.id:>5}  {when}  {chat.turns // 2:>3} questions  {chat.title or '(untitled)'}")
        return 0
    if args.action == "delete":
        store.delete(args.id)
        if args.json:
            print_json({"deleted": args.id})
        else:
            print(f"chat {args.id} deleted")
        return 0
    if args.action == "show" and args.json:
        chat = store.get(args.id)
        turns = [{"role": t.role, "text": t.text, "at": t.at, **t.data} for t in store.turns(args.id)]
        print_json({**vars_of(chat), "turns": turns})
        return 0
    text = store.export_markdown(args.id)
    if args.action == "export" and args.output is not None:
        args.output.write_text(text, encoding="utf-8")
        if args.json:
            print_json({"chat": args.id, "path": str(args.output)})
        else:
            print(f"chat {args.id} written to {args.output}")
        return 0
    sys.stdout.write(text)
    return 0


def vars_of(record: Any) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(record)
