"""The `quire` command: parses, calls core, prints. Exit 0 ok, 1 failure, 2 usage error."""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from quire import __version__
from quire.bench import SECTIONS
from quire.cli_chats import add_chat_option, add_chats_parser, add_filter_options, cmd_chats
from quire.cli_models import add_parser as add_models_parser
from quire.cli_models import cmd_models
from quire.errors import QuireError
from quire.library.background import FLAG as BACKGROUND_FLAG
from quire.terminal import ProgressBar, clear_line, fmt, print_json, print_skipped, sync_line

EPILOG = """\
examples:
  quire ingest ~/Notes ~/Papers/report.pdf deck.pptx
  quire search "quarterly revenue" -k 5
  quire ask "What did the review conclude?" --provider local
  quire status --json
  quire sync            (push the library to Oracle; --pull brings the team library here)

Reads .md, .txt, .pdf, .pptx, .docx, .xlsx, .csv/.tsv, .html, .epub, and scans and .png/.jpg
images by offline OCR (ocr.enabled). Data lives in $QUIRE_HOME (or the per-user data folder).
"""


BENCH_SECTIONS = SECTIONS


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="quire",
        description="Ask your own notes, PDFs and slide decks, offline, with citations to the page.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"quire {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    gui = sub.add_parser("gui", help="start the desktop app (the default)")
    gui.add_argument(
        "--screenshot", metavar="PNG", type=Path, help="render the main window to a PNG file and exit"
    )
    gui.add_argument(
        "--size", metavar="WxH", default="1280x800", help="the window's size for --screenshot (1280x800)"
    )

    ingest = sub.add_parser(
        "ingest",
        help="import files and folders (recursive); alone: refresh the library folders",
        description="Imports files and folders; folders are remembered as library folders. With no "
        "PATH, re-scans the library folders (new and changed files indexed, deleted ones dropped) "
        "and finishes an interrupted import.",
    )
    ingest.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="files or folders; none = refresh the library folders and finish an interrupted import",
    )
    ingest.add_argument("--json", action="store_true", help="print the summary as JSON")
    waiting = ingest.add_mutually_exclusive_group()
    waiting.add_argument(
        "--wait",
        dest="wait",
        action="store_true",
        default=True,
        help="return once every file is searchable by meaning too (the default)",
    )
    waiting.add_argument(
        "--no-wait",
        dest="wait",
        action="store_false",
        help="return once every file is searchable by its words; the vectors follow in the background",
    )
    ingest.add_argument(BACKGROUND_FLAG, action="store_true", help=argparse.SUPPRESS)

    search = sub.add_parser("search", help="find passages (vector + full-text)")
    search.add_argument("query")
    search.add_argument("-k", type=int, default=None, help="number of hits (default: retrieval.k)")
    add_filter_options(search)
    search.add_argument("--json", action="store_true")

    ask = sub.add_parser("ask", help="answer a question from the library, with sources")
    ask.add_argument("question")
    ask.add_argument(
        "--provider",
        choices=["local", "lan", "oci", "auto"],
        default=None,
        help="who writes the answer (default: providers.default)",
    )
    ask.add_argument("-k", type=int, default=None, help="sources to give the model")
    ask.add_argument("--model", default=None, help="model name for the provider")
    ask.add_argument(
        "--adapter", metavar="FILE[:SCALE]", default=None, help="a LoRA adapter (GGUF) for the local model"
    )
    add_chat_option(ask)
    add_filter_options(ask)
    ask.add_argument("--json", action="store_true")
    add_chats_parser(sub)

    status = sub.add_parser("status", help="library counts, store, provider health")
    status.add_argument("--json", action="store_true")

    sync = sub.add_parser("sync", help="push the library to Oracle (or pull the team library from it)")
    sync.add_argument(
        "--pull", action="store_true", help="copy Oracle's documents into the local library (for offline use)"
    )
    sync.add_argument("--json", action="store_true", help="print the summary as JSON")

    remove = sub.add_parser("remove", help="drop files or folders (and forget library folders)")
    remove.add_argument("paths", nargs="+", type=Path, metavar="PATH")

    config = sub.add_parser("config", help="read or change settings")
    config.add_argument("action", choices=["get", "set", "list"])
    config.add_argument("key", nargs="?")
    config.add_argument("value", nargs="?")

    secret = sub.add_parser("secret", help="store a secret in the OS keyring (read from stdin)")
    secret.add_argument("action", choices=["set", "delete"])
    secret.add_argument("name", help="e.g. lan.api_key, oracle.password, oci.key_passphrase")

    metrics = sub.add_parser("metrics", help="answer speed per provider and model")
    metrics.add_argument("--json", action="store_true")

    doctor = sub.add_parser("doctor", help="check the install and say how to fix what is wrong")
    doctor.add_argument("--json", action="store_true")
    doctor.add_argument("--quick", action="store_true", help="skip loading the embedding model (~10 s)")

    bench = sub.add_parser(
        "bench",
        help="measure import, search, generation, start-up and memory beside their references",
        description="Measures, in one run, Quire beside sentence-transformers' own encode and "
        "llama.cpp's own llama-bench (built by `make bench`). Compare figures as ratios.",
    )
    bench.add_argument("--json", action="store_true")
    bench.add_argument("--quick", action="store_true", help="small corpus and 10k chunks: a few minutes")
    bench.add_argument(
        "--corpus", type=Path, metavar="FOLDER", help="import this folder, not a generated one"
    )
    bench.add_argument(
        "--documents", type=int, metavar="N", help="files in the generated corpus (default 60)"
    )
    bench.add_argument(
        "--only", nargs="+", metavar="SECTION", choices=BENCH_SECTIONS, help=f"of: {' '.join(BENCH_SECTIONS)}"
    )
    bench.add_argument("--llama-bench", type=Path, metavar="PATH", help="llama.cpp's llama-bench binary")
    bench.add_argument(
        "--readme", type=Path, metavar="README", help="write the table into its Performance section"
    )
    add_models_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command in (None, "gui"):
        return _gui(args, parser)
    from quire.config import Settings, offline_environment
    from quire.logfile import setup_logging

    offline_environment()
    if args.command == "doctor":  # before loading settings: a broken config or data dir is its finding
        return cmd_doctor(args)
    try:
        settings = Settings.load()
        with contextlib.suppress(OSError):  # a read-only or full data dir: no log file, reading still works
            setup_logging(settings.log_dir, settings.get("logging.level"), settings.get("logging.prompts"))
        handler = COMMANDS[args.command]
        return handler(args, settings)
    except QuireError as exc:
        print(f"quire: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("quire: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug, not bad input: say so briefly, keep the traceback in the log
        import logging

        logging.getLogger("quire").exception("unexpected error")
        print(f"quire: unexpected error: {type(exc).__name__}: {exc} (details in the log)", file=sys.stderr)
        return 1


def _gui(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    try:
        from quire.gui.app import run_gui
    except ImportError:
        parser.print_help()
        return 0
    size = getattr(args, "size", "1280x800")
    try:
        width, height = (int(n) for n in size.lower().split("x"))
    except ValueError:
        parser.error(f"--size wants WIDTHxHEIGHT, e.g. 1920x1080, not {size!r}")
    return run_gui(screenshot=getattr(args, "screenshot", None), size=(width, height))


# Commands -----------------------------------------------------------------------------------------


def cmd_ingest(args: argparse.Namespace, settings: Any) -> int:
    from quire.core import Quire

    quire = Quire(settings)
    if args.background_vectors:  # the detached vector pass `--no-wait` started: quiet, logs only
        quire.embed_pending(yields=True)
        return 0
    nothing = not (quire.pending_imports() or quire.folders() or quire.pending_embedding())
    if not args.paths and nothing:
        print("quire ingest: nothing to import (name files or folders)", file=sys.stderr)
        return 2
    cancel = threading.Event()

    def on_interrupt(signum: int, frame: Any) -> None:
        if cancel.is_set():
            raise KeyboardInterrupt
        cancel.set()  # the first Ctrl-C finishes the current step and stops cleanly

    previous = signal.signal(signal.SIGINT, on_interrupt)
    bar = ProgressBar() if sys.stderr.isatty() and not args.json else None
    try:
        report = bar.update if bar else None
        summary = quire.ingest(args.paths, progress=report, cancel=cancel, wait=args.wait)
    finally:
        signal.signal(signal.SIGINT, previous)
        if bar:
            bar.close()
    background = None
    if summary.pending_embedding and not args.wait and not summary.cancelled:
        from quire.library.background import start_vector_pass

        background = start_vector_pass(settings)
    for problem in summary.failed:
        print(f"quire: {problem.path}: {problem.error}", file=sys.stderr)
    if args.json:
        print_json({**asdict(summary), "vectors_pid": background})
    else:
        print(
            f"{summary.added} added, {summary.updated} updated, {summary.unchanged} unchanged, "
            f"{summary.removed} removed, {len(summary.failed)} failed, "
            f"{len(summary.skipped)} skipped; {summary.chunks} chunks in {summary.seconds:.1f} s"
        )
        print_skipped(summary.skipped)
        if summary.pending_embedding:
            how = "are being made in the background" if background else "wait for `quire ingest`"
            print(
                f"searchable by their words now; vectors for {summary.pending_embedding} "
                f"file{'s' * (summary.pending_embedding != 1)} {how} (`quire status` shows progress)"
            )
    if summary.cancelled:
        print("quire: import stopped; run `quire ingest` to finish it", file=sys.stderr)
        return 130
    return 1 if summary.failed else 0


def cmd_search(args: argparse.Namespace, settings: Any) -> int:
    from quire.cli_chats import explicit_filter, search_extras
    from quire.core import Quire

    started = time.perf_counter()
    quire, limits = Quire(settings), explicit_filter(args)
    hits = quire.search(args.query, args.k, filter=limits)
    seconds = round(time.perf_counter() - started, 4)
    extras = search_extras(quire, limits)
    coverage = quire.coverage()
    if args.json:
        print_json({"hits": [asdict(h) for h in hits], **extras, "seconds": seconds, "coverage": coverage})
        return 0
    if extras["filter"]:
        print(f"({extras['filter']['label']})")
    if coverage["embedded"] < coverage["documents"]:
        print(f"({coverage_sentence(coverage)})")
    if not hits:
        print("no matches (is the library empty? try `quire status`)")
    for n, hit in enumerate(hits, start=1):
        where = f" {hit.where}" if hit.where else ""
        dated = f"  {hit.date}" if hit.date else ""
        print(f"[{n}] {hit.path}{where}{dated}  (score {hit.score:.4f})")
        snippet = " ".join(hit.text.split())
        print(f"    {snippet[:300]}{'…' if len(snippet) > 300 else ''}")
    return 0


def cmd_ask(args: argparse.Namespace, settings: Any) -> int:
    from quire.cli_chats import ask_extras, explicit_filter, progress_line, record_turns
    from quire.core import Quire

    quire = Quire(settings)
    chat = args.chat if args.chat is not None else quire.chats.create()
    if args.chat is not None:
        quire.chats.get(chat)  # an unknown chat is an error before any work
    progress = progress_line if sys.stderr.isatty() and not args.json else None
    stream = quire.ask(
        args.question,
        args.provider,
        args.k,
        args.model,
        adapter=args.adapter,
        chat=chat,
        filter=explicit_filter(args),
        progress=progress,
    )
    within = getattr(stream, "within", None)
    if within is not None and not args.json:
        print(f"({within.describe()})")
    scope_note = getattr(stream, "scope_note", None)
    if scope_note and not args.json:
        print(f"({scope_note})")
    shown = args.json or print_quick(stream)  # a set answer has its quick answer once it has read
    for text in stream:
        if not args.json:
            shown = shown or print_quick(stream)
            sys.stdout.write(text)
            sys.stdout.flush()
    answer = stream.result()
    record_turns(quire, chat, args.question, stream, answer)
    if args.json:
        print_json({**answer_json(answer, getattr(stream, "timings", {})), **ask_extras(stream)})
    else:
        print_answer_end(answer, stream.fallback_reason)
        print(f"(chat {chat}: follow up with `quire ask --chat {chat} …`)")
    return 1 if answer.error and not answer.partial else 0


def print_quick(stream: Any) -> bool:
    """The quick answer, before the model's: whether there was one to print (or none to wait for)."""
    quick = getattr(stream, "quick", None)  # a notice has none; a set answer not until it has read
    if quick is None or not stream.hits:
        return False
    said = quick.text if quick.sentences else "nothing answers this directly."
    lead = "\n" if "\n" in said else " "  # a list of documents starts on a line of its own
    print(f"From your documents:{lead}{said}\n")
    sys.stdout.flush()
    return True


_CITATION_KEYS = {"n", "path", "page", "slide", "heading", "location", "cited", "quoted"}


def answer_json(answer: Any, timings: dict[str, float]) -> dict[str, Any]:
    """The ask JSON of DESIGN.md: the answer's record, the quick answer as {text, n}."""
    data = asdict(answer)
    data["citations"] = [
        {k: v for k, v in c.items() if k in _CITATION_KEYS} for c in data["citations"]
    ]
    data["quick_answer"] = answer.quick_answer.as_json() if answer.quick_answer else None
    data["notice"] = answer.notice
    data["timings"] = {k: round(v, 4) for k, v in timings.items()}
    return data


def print_answer_end(answer: Any, fallback_reason: str | None) -> None:
    """After the streamed text: how it ended, what the check found, the sources and the figures."""
    print()
    if answer.notice:
        print(f"({answer.notice})")
    flagged = [s for s in answer.support if s.unsupported]
    if answer.unsupported_answer and not (answer.quick_answer and answer.quick_answer.sentences):
        print("\n! Your documents do not answer this: the numbers and names above come from the model.")
    elif answer.unsupported_answer:
        print("\n! The numbers and names in this answer are not in your documents.")
    for sentence in flagged:
        marked = sentence.sentence
        for term in sentence.unsupported:
            marked = marked.replace(term, f"{term} [not found in your documents]", 1)
        print(f"  check: {marked}")
    if answer.fallback_from:
        print(f"(answered by {answer.provider}: {answer.fallback_from} was unavailable: {fallback_reason})")
    if answer.error:
        print(f"({answer.error})")
    if answer.citations:
        used = [c for c in answer.citations if c.cited]
        others = [c for c in answer.citations if not c.cited]
        print("\nSources:")
        for citation in used or others:
            print(f"  {citation.label}")
        if used and others:
            print("  also retrieved: " + ", ".join(c.label for c in others))
    m = answer.metrics
    rate = f"{m.tokens_per_s:.1f} tok/s" if m.tokens_per_s else "– tok/s"
    ttft = f"{m.ttft_s:.2f} s" if m.ttft_s is not None else "–"
    figures = f"TTFT {ttft} · {rate} · {m.output_tokens} tokens in {m.total_s:.2f} s"
    print(f"\n{answer.provider} · {answer.model} · {figures}")


def cmd_status(args: argparse.Namespace, settings: Any) -> int:
    from quire.core import Quire

    report = Quire(settings).status()
    if args.json:
        print_json(report)
        return 0
    print(
        f"library: {report['documents']} documents, {report['pages']} pages/slides, "
        f"{report['chunks']} chunks ({report['failed']} failed)"
    )
    if report.get("pending_embedding"):
        print(f"vectors: {coverage_sentence(report)}")
    print(f"store:   {report['store']}   home: {report['home']}")
    if report.get("store_detail"):
        print(f"         {report['store_detail']}")
    if report.get("store_notice"):
        print(f"         {report['store_notice']}")
    if report.get("oracle_pending"):
        print(f"         {report['oracle_pending']} files wait for `quire sync` to reach Oracle")
    for folder in report["folders"]:
        print(f"folder:  {folder}")
    if report["pending_imports"]:
        print(
            f"an import was interrupted ({len(report['pending_imports'])} paths): "
            "run `quire ingest` to finish it"
        )
    for name, health in report["providers"].items():
        # an ok that only proves the service is reachable (OCI: nothing signed) says so
        state = ("reachable" if health.get("checked") else "ok") if health["ok"] else "unavailable"
        detail = health["model"] if health["ok"] else health["error"]
        print(f"{name:<6} {state:<12} {detail}")
    return 0


def coverage_sentence(counts: dict[str, Any]) -> str:
    """E.g. "412 of 1,000 files have meaning search yet; the rest are found by their words"."""
    return (
        f"{counts['embedded']:,} of {counts['documents']:,} files have meaning search yet; "
        "the rest are found by their words"
    )


def cmd_sync(args: argparse.Namespace, settings: Any) -> int:
    from quire.core import Quire

    tty = sys.stderr.isatty() and not args.json
    try:
        summary = Quire(settings).sync(pull=args.pull, progress=sync_line if tty else None)
    finally:
        if tty:
            clear_line()
    for problem in summary.failed:
        print(f"quire: {problem.path}: {problem.error}", file=sys.stderr)
    if args.json:
        print_json(asdict(summary))
    elif args.pull:
        print(f"{summary.pulled} pulled, {summary.unchanged} unchanged in {summary.seconds:.1f} s")
        for path in summary.kept_local:
            print(f"  kept the local version of {path} (changed here, not pushed yet)")
    else:
        print(
            f"{summary.pushed} pushed, {summary.deleted} deleted, {summary.unchanged} unchanged, "
            f"{len(summary.failed)} failed in {summary.seconds:.1f} s"
        )
    if summary.interrupted:
        left = f"; {summary.pending} files left" if summary.pending else ""
        print(f"quire: sync stopped ({summary.interrupted}){left}: run it again to finish", file=sys.stderr)
        return 1
    return 1 if summary.failed else 0


def cmd_remove(args: argparse.Namespace, settings: Any) -> int:
    from quire.core import Quire

    quire = Quire(settings)
    dropped = quire.remove(args.paths)
    for path in dropped:
        print(f"removed {path}")
    if not dropped:
        print("quire remove: none of those paths are in the library", file=sys.stderr)
        return 1
    staying_out = [p for p in dropped if quire.catalog.library_folder_of(p)]
    if staying_out:
        print(
            f"quire remove: {len(staying_out)} of these are in a library folder: its refreshes leave "
            "them out (`quire ingest` them by name to bring them back)",
            file=sys.stderr,
        )
    return 0


def cmd_config(args: argparse.Namespace, settings: Any) -> int:
    if args.action == "list":
        for key, value in settings.items():
            print(f"{key} = {json.dumps(value)}")
        return 0
    if not args.key:
        print("quire config: name a setting (see `quire config list`)", file=sys.stderr)
        return 2
    if args.action == "get":
        print(json.dumps(settings.get(args.key)))
        return 0
    if args.value is None:
        print(f"quire config set {args.key}: give a value", file=sys.stderr)
        return 2
    settings.set(args.key, args.value)
    settings.save()
    print(f"{args.key} = {json.dumps(settings.get(args.key))}")
    return 0


def cmd_secret(args: argparse.Namespace, settings: Any) -> int:
    from quire.secrets import NAMES, delete_secret, require_secure_keyring, set_secret

    if args.name not in NAMES:
        print(f"quire secret: unknown secret {args.name!r} (one of: {', '.join(NAMES)})", file=sys.stderr)
        return 2
    if args.action == "delete":
        delete_secret(args.name)
        print(f"{args.name} removed from the keyring")
        return 0
    require_secure_keyring()  # refuse before asking for the secret, not after
    value = sys.stdin.readline().rstrip("\r\n")
    if not value:
        print("quire secret set: no secret on standard input", file=sys.stderr)
        return 2
    set_secret(args.name, value)
    print(f"{args.name} stored in the OS keyring")
    return 0


def cmd_metrics(args: argparse.Namespace, settings: Any) -> int:
    from quire.chat.metrics import MetricsLog

    rows = MetricsLog(settings.metrics_path).summary()
    if args.json:
        print_json({"providers": rows})
        return 0
    if not rows:
        print("no answers yet")
    for row in rows:
        print(
            f"{row['provider']:<6} {row['model']:<40} {row['answers']:>4} answers  "
            f"TTFT median {fmt(row['ttft_s_median'], 's')} p95 {fmt(row['ttft_s_p95'], 's')}  "
            f"tok/s median {fmt(row['tokens_per_s_median'])} p95 "
            f"{fmt(row['tokens_per_s_p95'])}  fallbacks {row['fallbacks']}"
        )
    return 0


def cmd_bench(args: argparse.Namespace, settings: Any) -> int:
    from quire.bench import BenchOptions, run_bench
    from quire.bench.report import table, write_readme

    if args.corpus is not None and not args.corpus.is_dir():
        print(f"quire: {args.corpus}: no such folder", file=sys.stderr)
        return 2
    options = BenchOptions(
        quick=args.quick,
        corpus=args.corpus,
        documents=args.documents,
        sections=tuple(args.only or BENCH_SECTIONS),
        llama_bench=args.llama_bench,
    )
    figures = run_bench(settings, options, say=lambda step: print(f"bench: {step}…", file=sys.stderr))
    from quire.models.machine import save_bench_figures

    save_bench_figures(settings, figures)  # the model catalog scales its speed estimates from these
    if args.readme:
        part = "" if set(options.sections) == set(BENCH_SECTIONS) else "-".join(options.sections)
        write_readme(args.readme, figures, part)
    if args.json:
        print_json(figures)
    else:
        print(table(figures))
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from quire.doctor import render_table, report, run_checks

    checks = run_checks(quick=args.quick)
    if args.json:
        print_json(report(checks))
    else:
        print(render_table(checks))
    return 0 if report(checks)["ok"] else 1


COMMANDS = {
    "ingest": cmd_ingest,
    "search": cmd_search,
    "ask": cmd_ask,
    "status": cmd_status,
    "sync": cmd_sync,
    "remove": cmd_remove,
    "config": cmd_config,
    "secret": cmd_secret,
    "metrics": cmd_metrics,
    "bench": cmd_bench,
    "models": cmd_models,
    "chats": cmd_chats,
}
