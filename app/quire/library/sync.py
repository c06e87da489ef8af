"""`quire sync`: push the local library to Oracle, or pull a team library from it into Chroma.

Per file and idempotent. Each file version moves in one Oracle transaction and is recorded in the
catalog (store_holdings) only after it committed, so a sync cut off mid-way (network drop, Ctrl-C)
is finished by the next run with nothing duplicated or lost: chunk ids are deterministic and a
version Oracle already holds (same content hash) is only recorded, never sent again."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from quire.errors import StoreError
from quire.library.catalog import Catalog, FileRecord, Holding
from quire.library.ingest import FileProblem
from quire.search.stores.base import StoredDocument, StoreUnreachable, SyncableStore

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

REMOTE = "oracle"  # the catalog's name for the shared store


@dataclass(frozen=True)
class SyncProgress:
    done: int
    total: int
    path: str
    action: str  # pushed | pulled | deleted | forgotten | unchanged | kept-local | failed


@dataclass(frozen=True)
class SyncSummary:
    direction: str  # push | pull
    pushed: int = 0
    pulled: int = 0
    deleted: int = 0
    unchanged: int = 0
    kept_local: list[str] = field(default_factory=list)  # pull: local edits not pushed yet win
    failed: list[FileProblem] = field(default_factory=list)
    pending: int = 0  # push: files still to send (after a cut-off run)
    interrupted: str | None = None  # why the run stopped early; run it again to finish
    seconds: float = 0.0


Report = Callable[[SyncProgress], None]
Embed = Callable[[list[str]], "np.ndarray"]


def push(
    catalog: Catalog,
    local: SyncableStore,
    remote: SyncableStore,
    embed: Embed | None = None,
    progress: Report | None = None,
    cancel: threading.Event | None = None,
) -> SyncSummary:
    """Send every indexed file version Oracle lacks; drop from Oracle what this machine pushed and
    has since removed. `embed` re-creates vectors the local store lost (a deleted chroma folder)."""
    started = time.perf_counter()
    report = progress or (lambda _event: None)
    files, gone = catalog.pending_push(REMOTE)
    total = len(files) + len(gone)
    counts = {"pushed": 0, "deleted": 0, "unchanged": 0}
    failed: list[FileProblem] = []
    interrupted = None
    done = 0
    try:
        held_remotely = remote.documents()
        for holding in gone:
            if cancel is not None and cancel.is_set():
                interrupted = "cancelled"
                break
            action = _push_removal(catalog, remote, holding, held_remotely)
            counts["deleted"] += action == "deleted"
            done += 1
            report(SyncProgress(done, total, holding.path, action))
        for record in files if interrupted is None else []:
            if cancel is not None and cancel.is_set():
                interrupted = "cancelled"
                break
            try:
                action = _push_file(catalog, local, remote, record, held_remotely, embed)
            except StoreUnreachable:
                raise
            except StoreError as err:  # this file only (e.g. a row Oracle refuses): go on
                log.warning("sync: %s", err)
                failed.append(FileProblem(record.path, str(err)))
                action = "failed"
            counts[action] = counts.get(action, 0) + 1
            done += 1
            report(SyncProgress(done, total, record.path, action))
    except StoreUnreachable as err:
        interrupted = str(err)
    refresh = getattr(remote, "refresh_vector_index", None)
    if refresh is not None and counts["pushed"] and interrupted is None:
        try:  # an IVF index built before these rows were there has no partitions to search
            refresh()
        except StoreError as err:
            log.warning("sync: the vector index was not rebuilt: %s", err)
    still = catalog.pending_push(REMOTE)
    return SyncSummary(
        "push",
        pushed=counts["pushed"],
        deleted=counts["deleted"],
        unchanged=counts["unchanged"],
        failed=failed,
        pending=len(still[0]) + len(still[1]),
        interrupted=interrupted,
        seconds=round(time.perf_counter() - started, 3),
    )


def _push_removal(catalog: Catalog, remote: SyncableStore, holding: Holding, held: dict[str, str]) -> str:
    # A team file pulled here and dropped here stays in Oracle; so does a version someone else
    # pushed after ours. Only what this machine put there, unchanged since, is taken back.
    if not holding.pulled and held.get(holding.path) == holding.sha256:
        remote.delete_path(holding.path)
        catalog.forget_holding(REMOTE, holding.path)
        return "deleted"
    catalog.forget_holding(REMOTE, holding.path)
    return "forgotten"


def _push_file(
    catalog: Catalog,
    local: SyncableStore,
    remote: SyncableStore,
    record: FileRecord,
    held: dict[str, str],
    embed: Embed | None,
) -> str:
    if held.get(record.path) == record.sha256:  # sent by an earlier, cut-off run (or a teammate)
        catalog.record_holding(REMOTE, record.path, record.sha256)
        return "unchanged"
    ids = catalog.chunk_ids(record.path)
    by_id = catalog.chunks_by_id(ids)
    chunks = [by_id[chunk_id] for chunk_id in ids]
    vectors = local.get_vectors(ids)
    if vectors is None:
        if embed is None:
            raise StoreError(f"{record.path}: its vectors are missing from the local store; import it again")
        vectors = embed([c.embed_text for c in chunks])
    document = StoredDocument(
        record.path, record.sha256, record.kind, record.size, record.pages, date=record.doc_date
    )
    remote.put_file(document, chunks, vectors)
    catalog.record_holding(REMOTE, record.path, record.sha256)
    return "pushed"


def pull(
    catalog: Catalog,
    local: SyncableStore,
    remote: SyncableStore,
    progress: Report | None = None,
    cancel: threading.Event | None = None,
) -> SyncSummary:
    """Copy every file version Oracle holds that this library lacks (vectors, chunk text, metadata)
    into Chroma and the catalog, so the team library answers offline. Never deletes local files;
    a local version not pushed yet is kept (push it, or remove it locally, to take Oracle's)."""
    started = time.perf_counter()
    report = progress or (lambda _event: None)
    pulled = unchanged = 0
    kept: list[str] = []
    interrupted = None
    try:
        versions = sorted(remote.documents().items())
        held = catalog.holdings(REMOTE)
        for done, (path, sha) in enumerate(versions, start=1):
            if cancel is not None and cancel.is_set():
                interrupted = "cancelled"
                break
            action = _pull_file(catalog, local, remote, path, sha, held.get(path))
            pulled += action == "pulled"
            unchanged += action == "unchanged"
            if action == "kept-local":
                kept.append(path)
            report(SyncProgress(done, len(versions), path, action))
    except StoreUnreachable as err:
        interrupted = str(err)
    return SyncSummary(
        "pull",
        pulled=pulled,
        unchanged=unchanged,
        kept_local=kept,
        interrupted=interrupted,
        seconds=round(time.perf_counter() - started, 3),
    )


def _pull_file(
    catalog: Catalog,
    local: SyncableStore,
    remote: SyncableStore,
    path: str,
    sha: str,
    holding: Holding | None,
) -> str:
    record = catalog.file(path)
    pulled_flag = holding.pulled if holding else True
    if record and record.state == "indexed":
        if record.sha256 == sha:
            if holding is None or holding.sha256 != sha:
                catalog.record_holding(REMOTE, path, sha, pulled=pulled_flag)
            return "unchanged"
        if holding is None or holding.sha256 != record.sha256:
            return "kept-local"  # changed here and not pushed yet: never overwrite the user's work
    stored = remote.read_file(path)
    if stored is None:  # removed from Oracle since we listed it
        return "unchanged"
    doc = stored.document
    # Marked `indexing` first: a pull cut off here is redone by the next one (same ids).
    catalog.mark(path, kind=doc.kind, size=doc.size, mtime_ns=0, sha256=doc.sha256, state="indexing")
    local.put_file(doc, stored.chunks, stored.vectors)
    catalog.replace_chunks(path, stored.chunks, doc.pages)
    catalog.record_holding(REMOTE, path, doc.sha256, pulled=pulled_flag)
    return "pulled"
