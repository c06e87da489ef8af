"""`quire models list|catalog|get|check|remove`: the models the user has, the recommended ones,
downloads (resumable: Ctrl-C pauses), and the check on add."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from quire.terminal import clear_line, print_json


def add_parser(sub: Any) -> None:
    models = sub.add_parser(
        "models",
        help="the chat models: list, recommended catalog, download, check, remove",
        description="Local GGUF chat models. Downloads happen only when you run `get`; Ctrl-C pauses "
        "one (run the same `get` again to resume). A model is checked before it can become the default.",
    )
    action = models.add_subparsers(dest="models_action", metavar="ACTION")
    listing = action.add_parser("list", help="the models in the models folders, and paused downloads")
    listing.add_argument("--json", action="store_true")
    catalog = action.add_parser("catalog", help="recommended models, with what each needs and a fit badge")
    catalog.add_argument(
        "--refresh", action="store_true", help="fetch the list from models.catalog_url first"
    )
    catalog.add_argument("--json", action="store_true")
    get = action.add_parser(
        "get",
        help="download REPO FILE (or a catalog id) from the Hub, or add a .gguf from disk; then check it",
    )
    get.add_argument("source", help="owner/repo, a catalog id (see `quire models catalog`), or a .gguf path")
    get.add_argument("file", nargs="?", help="the .gguf file in the repository")
    get.add_argument("--revision", default=None, help="branch, tag or commit (default: main)")
    get.add_argument("--default", action="store_true", help="make it the local model if the check passes")
    get.add_argument("--no-check", action="store_true", help="skip the check (it cannot become the default)")
    get.add_argument("--json", action="store_true")
    check = action.add_parser("check", help="check a GGUF model (or a LoRA adapter against its base model)")
    check.add_argument("path", help="a .gguf file, or the name of one in the models folders")
    check.add_argument(
        "--base", default=None, help="for an adapter: the base model (default: the local model)"
    )
    check.add_argument("--quick", action="store_true", help="skip the perplexity and smoke-answer steps")
    check.add_argument("--json", action="store_true")
    remove = action.add_parser("remove", help="delete a downloaded model, or a paused download")
    remove.add_argument("name")
    remove.add_argument("--json", action="store_true")


def cmd_models(args: argparse.Namespace, settings: Any) -> int:
    action = args.models_action or "list"
    return {"list": _list, "catalog": _catalog, "get": _get, "check": _check, "remove": _remove}[action](
        args, settings
    )


def _size(count: int | None) -> str:
    from quire.models.catalog import gib

    return gib(count)


def _list(args: argparse.Namespace, settings: Any) -> int:
    from quire.models.download import pending_downloads
    from quire.models.inventory import installed_models

    models = installed_models(settings)
    pending = pending_downloads(settings)
    if getattr(args, "json", False):
        print_json(
            {
                "models": [m.to_json() for m in models],
                "paused": [{**asdict(p), "part": str(p.part)} for p in pending],
            }
        )
        return 0
    for model in models:
        mark = "*" if model.default else " "
        state = {True: "checked", False: "FAILED check", None: "not checked"}[model.checked]
        origin = f"  from {model.repo}" if model.repo else ""
        print(f"{mark} {model.name:<48} {_size(model.size):>8}  {model.quantisation:<7} {state}{origin}")
    for item in pending:
        share = f"{item.done / item.size:.0%}" if item.size else _size(item.done)
        print(f"  {item.file:<48} paused at {share}: `quire models get {item.repo} {item.file}` resumes")
    if not models:
        print("no models found (run `make models`, or `quire models catalog`)")
    return 0


def _catalog(args: argparse.Namespace, settings: Any) -> int:
    from quire.models.catalog import assess, load_catalog, refresh_catalog
    from quire.models.inventory import installed_models
    from quire.models.machine import this_machine

    catalog = refresh_catalog(settings) if args.refresh else load_catalog(settings)
    machine = this_machine(settings)
    context = int(settings.get("providers.local.context"))
    have = {m.name: m.path for m in installed_models(settings)}
    rows = [assess(e, machine, context, have.get(Path(e.file).name)) for e in catalog.entries]
    if args.json:
        print_json(
            {
                "version": catalog.version,
                "updated": catalog.updated,
                "source": catalog.source,
                "context": context,
                "machine": asdict(machine),
                "models": [
                    {
                        **asdict(row.entry),
                        "memory_needed": row.memory_needed,
                        "badge": row.badge,
                        "speed_tok_s": row.speed_tok_s,
                        "why": row.why,
                        "installed": str(row.installed) if row.installed else None,
                    }
                    for row in rows
                ],
            }
        )
        return 0
    print(f"catalog v{catalog.version} ({catalog.updated}, {catalog.source}); memory at {context} tokens")
    for row in rows:
        entry = row.entry
        speed = f"~{row.speed_tok_s:g} tok/s" if row.speed_tok_s is not None else "? tok/s"
        have_it = " [installed]" if row.installed else ""
        print(
            f"{entry.id:<22} {entry.params:<15} {_size(entry.size_bytes):>8} disk  "
            f"{_size(row.memory_needed):>8} "
            f"memory  {speed:>12}  {row.badge:<17} {entry.licence}{have_it}"
        )
    if not machine.reference_tok_s:
        print("(speeds appear once `quire bench` has run, or after a few answers from the shipped model)")
    return 0


class _Line:
    """One progress line on stderr: bar, bytes, speed, ETA."""

    def __init__(self) -> None:
        self.last = 0.0

    def __call__(self, event: Any) -> None:
        now = time.monotonic()
        if now - self.last < 0.2 and event.done != event.total:
            return
        self.last = now
        share = event.done / event.total if event.total else 0.0
        bar = "#" * int(share * 28)
        speed = f"{event.speed_bps / 2**20:5.1f} MB/s" if event.speed_bps else "  –  MB/s"
        eta = f"{event.eta_s:4.0f}s left" if event.eta_s is not None else ""
        sys.stderr.write(
            f"\r[{bar:<28}] {share:4.0%} {_size(event.done):>8}/{_size(event.total):<8} {speed} {eta:>9} "
            f"{event.stage:<11}"
        )
        sys.stderr.flush()


def _get(args: argparse.Namespace, settings: Any) -> int:
    from quire.models.catalog import load_catalog
    from quire.models.download import Download, DownloadStopped
    from quire.models.inventory import record_download

    source, file, revision = args.source, args.file, args.revision
    if file is None and source.endswith(".gguf"):
        return _add_local(args, settings, Path(source).expanduser())
    if file is None:
        entry = load_catalog(settings).find(source)
        if entry is None:
            print(f"quire models get: {source!r} is not in the catalog; give REPO FILE", file=sys.stderr)
            return 2
        source, file, revision = entry.repo, entry.file, revision or entry.revision
    tty = sys.stderr.isatty() and not args.json
    download = Download(settings, source, file, revision or "main", progress=_Line() if tty else None)

    def on_interrupt(signum: int, frame: Any) -> None:
        download.pause()  # the partial file stays: the same command resumes it

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        result = download.run()
    except DownloadStopped as stopped:
        if tty:
            clear_line()
        print(f"quire: {stopped}; run the same command to resume", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGINT, previous)
        if tty:
            clear_line()
    record_download(settings, result)
    rate = result.fetched / result.seconds / 2**20 if result.seconds else 0.0
    resumed = f", resumed at {_size(result.resumed_from)}" if result.resumed_from else ""
    if not args.json:
        print(
            f"downloaded {result.path} ({_size(result.size)}; {_size(result.fetched)} fetched in "
            f"{result.seconds:.1f} s, {rate:.1f} MB/s{resumed})"
        )
        print(f"sha256 {result.sha256} matches the Hub's LFS hash")
    return _after_adding(args, settings, result.path, {"download": result.to_json()})


def _add_local(args: argparse.Namespace, settings: Any, path: Path) -> int:
    """A .gguf from disk: checked first, then copied into the models folder."""
    import shutil

    from quire.models.download import downloads_dir

    if not path.is_file():
        print(f"quire: {path}: no such file", file=sys.stderr)
        return 1
    target = downloads_dir(settings) / path.name
    if target.exists() and target.resolve() != path.resolve():
        print(f"quire: {target} already exists; remove it first", file=sys.stderr)
        return 1
    if args.no_check:
        print("quire models get: a file from disk is always checked before it is added", file=sys.stderr)
    card = _run_check(settings, path, quick=False, quiet=args.json)
    if not card.ok:
        _print_card(card, args.json)
        print(f"quire: {card.problem}; not added", file=sys.stderr)
        return 1
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, target)
    from quire.models.inventory import record_check

    record_check(settings, target, True, None)
    if args.default:
        _make_default(settings, target)
    if args.json:
        print_json({"added": str(target), "check": _card_json(card), "default": bool(args.default)})
    else:
        _print_card(card, False)
        print(f"added {target}")
    return 0


def _after_adding(args: argparse.Namespace, settings: Any, path: Path, report: dict[str, Any]) -> int:
    from quire.models.inventory import record_check

    card = None
    if not args.no_check:
        card = _run_check(settings, path, quick=False, quiet=args.json)
        record_check(settings, path, card.ok, card.problem)
        report["check"] = _card_json(card)
        if not args.json:
            _print_card(card, False)
    made_default = bool(args.default and card is not None and card.ok)
    if made_default:
        _make_default(settings, path)
    report["default"] = made_default
    if args.json:
        print_json(report)
    elif args.default and not made_default:
        print("quire: not made the default: " + ("it was not checked" if card is None else str(card.problem)))
    if card is not None and not card.ok:
        return 1
    return 0


def _make_default(settings: Any, path: Path) -> None:
    settings.set("providers.local.model", path.name)
    settings.save()
    print(f"the local model is now {path.name}", file=sys.stderr)


def _run_check(settings: Any, path: Path, quick: bool, quiet: bool) -> Any:
    from quire.models.check import check_model

    # step by step on a terminal: a full check takes a minute on a big model
    say = None if quiet or not sys.stderr.isatty() else (lambda line: print(f"  {line}", file=sys.stderr))
    return check_model(path, settings, smoke=not quick, perplexity=not quick, say=say)


def _card_json(card: Any) -> dict[str, Any]:
    return {**asdict(card), "ok": card.ok, "problem": card.problem}


def _print_card(card: Any, as_json: bool) -> None:
    if as_json:
        print_json(_card_json(card))
        return
    marks = {"ok": "✓", "warn": "!", "fail": "✗", "skip": "-"}
    print(f"{card.name}  ({card.path})")
    print(
        f"  {card.architecture or '?'} · {card.quantisation or '?'} · {_size(card.size_bytes)} · "
        f"context {card.context_length or '?'} · template: {card.chat_template}"
    )
    for step in card.steps:
        print(f"  {marks.get(step.status, '?')} {step.name:<14} {step.detail}")
    for answer in card.smoke:
        print(f"    {'✓' if answer.passed else '✗'} {answer.question} → {answer.answer[:100]!r}")
    print(f"  {'usable' if card.ok else 'NOT usable'} (checked in {card.seconds:.1f} s)")


def _resolve(settings: Any, name: str) -> Path | None:
    path = Path(name).expanduser()
    if path.is_file():
        return path
    from quire.providers.local import find_models

    return next((m.path for m in find_models(settings) if name in (m.name, m.path.stem)), None)


def _check(args: argparse.Namespace, settings: Any) -> int:
    from quire.errors import ModelError
    from quire.models.gguf import read_header

    path = _resolve(settings, args.path)
    if path is None:
        print(f"quire: {args.path}: no such file or model", file=sys.stderr)
        return 1
    try:
        is_adapter = read_header(path).kind == "adapter"
    except ModelError:
        is_adapter = False
    if is_adapter:
        return _check_adapter(args, settings, path)
    card = _run_check(settings, path, quick=args.quick, quiet=args.json)
    from quire.models.inventory import record_check

    record_check(settings, path, card.ok, card.problem)
    _print_card(card, args.json)
    return 0 if card.ok else 1


def _check_adapter(args: argparse.Namespace, settings: Any, path: Path) -> int:
    from quire.errors import ModelError
    from quire.models.adapters import check_adapter
    from quire.providers.local import resolve_model

    try:
        base = _resolve(settings, args.base) if args.base else resolve_model(settings)
        if base is None:
            raise ModelError(f"{args.base}: no such base model")
        report = check_adapter(path, base)
    except ModelError as exc:
        print(f"quire: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print_json({**asdict(report), "ok": report.ok})
    else:
        print(f"{'✓' if report.ok else '✗'} {path.name} on {Path(report.base).name}: {report.detail}")
    return 0 if report.ok else 1


def _remove(args: argparse.Namespace, settings: Any) -> int:
    from quire.errors import ModelError
    from quire.models.download import Download, pending_downloads
    from quire.models.inventory import remove_model

    for item in pending_downloads(settings):
        if args.name in (item.file, Path(item.file).name):
            Download(settings, item.repo, item.file, item.revision).discard()
            _said(
                args,
                {"removed": str(item.part), "paused_download": True},
                f"removed the paused download of {item.file}",
            )
            return 0
    try:
        removed = remove_model(settings, args.name)
    except ModelError as exc:
        print(f"quire: {exc}", file=sys.stderr)
        return 1
    _said(args, {"removed": str(removed), "paused_download": False}, f"removed {removed}")
    return 0


def _said(args: argparse.Namespace, data: dict[str, Any], text: str) -> None:
    if args.json:
        print_json(data)
    else:
        print(text)
