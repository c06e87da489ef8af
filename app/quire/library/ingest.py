"""The import's words pass: scan → hash → read (child process) → chunk → catalog (FTS5).

Words first: a file is searchable by its words as soon as its chunks are committed; its vectors
follow in the vector pass (library/vectors.py), which runs beside this one. Resumable: a file is
marked `indexing` before its old vectors are dropped and `indexed` (not yet embedded) in the same
transaction that records its chunks, and chunk ids are deterministic, so an import killed at any
point is finished by the next run with no duplicates (reconcile.py clears what a crash left
half-written). Cancellable between files. A file that changes between hashing and reading is read
again; one deleted meanwhile is dropped, never indexed under a stale hash."""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

from quire.errors import LoaderError
from quire.library.catalog import Catalog
from quire.library.chunking import chunk_sections
from quire.library.loaders import SUPPORTED, LoadedDocument, ReadOptions, unsupported_reason
from quire.library.reader_process import OCR_RESUMES, ReadCancelled, ReaderProcess
from quire.search.stores.base import VectorStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FileProblem:
    path: str
    error: str


@dataclass(frozen=True)
class IngestProgress:
    """Reported after each step; `bytes_*` give a fair ETA across small notes and big PDFs."""

    files_done: int
    files_total: int
    bytes_done: int
    bytes_total: int
    path: str
    stage: str  # reading | indexed (searchable by its words) | embedded (vectors too) | failed
    chunks: int = 0
    page: int = 0  # while reading: pages OCR'd so far, of `pages` that need it (0 = no OCR)
    pages: int = 0
    vectors_done: int = 0  # files whose vectors are stored, of vectors_total waiting for them
    vectors_total: int = 0


@dataclass(frozen=True)
class IngestSummary:
    added: int
    updated: int
    unchanged: int
    removed: int
    chunks: int
    failed: list[FileProblem]
    skipped: list[FileProblem]
    seconds: float
    pages: int = 0
    cancelled: bool = False
    words_seconds: float = 0.0  # until every file was searchable by its words
    embedded: int = 0  # files whose vectors this import stored
    pending_embedding: int = 0  # files still waiting for their vectors when it returned
    embedding_error: str | None = None


@dataclass(frozen=True)
class IngestOptions:
    max_file_mb: int = 200
    file_timeout_s: float = 180
    chunk_chars: int = 900
    overlap_chars: int = 120
    embed_batch: int = 32  # (for the vector pass)
    write_pause_s: float = 0.0  # crash tests: a pause between each write of a file (widens the windows)
    ocr: bool = True  # pages and images without text are OCR'd
    ocr_dpi: int = 150
    ocr_cache: Path | None = None  # OCR'd pages kept here, so an interrupted import resumes


@dataclass
class _Plan:
    work: list[tuple[Path, os.stat_result, str]] = field(default_factory=list)  # path, stat, sha
    unchanged: int = 0
    failed: list[FileProblem] = field(default_factory=list)
    skipped: list[FileProblem] = field(default_factory=list)
    folders: list[Path] = field(default_factory=list)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def scan(
    paths: list[Path], excluded: Collection[str] = ()
) -> tuple[list[Path], list[FileProblem], list[FileProblem], list[Path]]:
    """Expand folders recursively, leaving out the excluded files and folders found in them. Returns
    files to consider, failures (missing paths, unreadable folders, unsupported files named
    explicitly), skipped files found in folders, and the folders."""
    excluded = set(excluded)
    files: list[Path] = []
    failed: list[FileProblem] = []
    skipped: list[FileProblem] = []
    folders: list[Path] = []
    for given in paths:
        path = Path(os.path.abspath(os.path.expanduser(given)))
        if path.is_dir():
            folders.append(path)
            for root, dirs, names in os.walk(
                path,
                onerror=lambda e: failed.append(
                    FileProblem(str(e.filename), f"cannot open folder ({e.strerror})")
                ),
            ):
                dirs[:] = sorted(
                    d for d in dirs if not d.startswith(".") and os.path.join(root, d) not in excluded
                )
                for name in sorted(names):
                    if name.startswith((".", "~$")) or os.path.join(root, name) in excluded:
                        continue  # hidden files, Office lock files and what the user removed
                    child = Path(root) / name
                    reason = unsupported_reason(child)
                    if reason:
                        skipped.append(FileProblem(str(child), reason))
                    elif child.is_file():
                        files.append(child)
        elif path.is_file():
            reason = unsupported_reason(path)
            if reason:
                failed.append(FileProblem(str(path), reason))
            else:
                files.append(path)
        elif path.exists() or path.is_symlink():
            failed.append(FileProblem(str(path), "not a regular file or folder (broken link?)"))
        else:
            failed.append(FileProblem(str(path), "no such file or folder"))
    return list(dict.fromkeys(files)), failed, skipped, folders


class Ingestor:
    def __init__(
        self,
        catalog: Catalog,
        store: VectorStore,
        options: IngestOptions,
        write_lock: threading.Lock | None = None,
        on_indexed: Callable[[], None] | None = None,
    ) -> None:
        self.catalog = catalog
        self.store = store
        self.options = options
        self.write_lock = write_lock or threading.Lock()  # shared with the vector pass
        self.on_indexed = on_indexed or (lambda: None)  # a file's words are in: wake the vector pass

    def run(
        self,
        paths: list[Path],
        progress: Callable[[IngestProgress], None] | None = None,
        cancel: threading.Event | None = None,
        retry_failed: bool = True,
    ) -> IngestSummary:
        """`retry_failed=False` (a refresh of the library folders) leaves files that failed before
        and have not changed since alone: a file that timed out is not read again at every change."""
        started = time.perf_counter()
        cancel = cancel or threading.Event()
        report = progress or (lambda _event: None)
        self.catalog.add_pending_import([str(p) for p in paths])
        plan = self._plan(paths, retry_failed)
        removed = self._drop_deleted(plan.folders)
        added = updated = chunks = pages = 0
        failed = list(plan.failed)
        total_bytes = sum(st.st_size for _, st, _ in plan.work)
        done_bytes = 0
        total = len(plan.work)
        opts = self.options
        reader = ReaderProcess(options=ReadOptions(opts.ocr, opts.ocr_dpi, opts.ocr_cache))
        work = list(plan.work)  # grows when a file changed while it was read: it is read again
        queue = list(work)
        retried: set[Path] = set()
        done = 0
        try:
            for _ in range(min(2, len(queue))):  # read ahead: the next file parses while we embed
                reader.submit(str(queue.pop(0)[0]))
            for path, stat, sha in work:
                if cancel.is_set():
                    break
                report(IngestProgress(done, total, done_bytes, total_bytes, str(path), "reading"))
                previous = self.catalog.file(str(path))

                def pages_read(
                    page: int,
                    pages: int,
                    at: tuple[int, int, str, int] = (done, done_bytes, str(path), stat.st_size),
                ) -> None:
                    files, start, name, size = at
                    share = start + int(size * page / max(pages, 1))
                    report(IngestProgress(files, total, share, total_bytes, name, "reading", 0, page, pages))

                try:
                    try:
                        document = reader.result(self._timeout(stat.st_size), pages_read, cancel)
                    except ReadCancelled:
                        break  # the file stays pending; its OCR'd pages are kept for the next run
                    finally:
                        if queue and not cancel.is_set():
                            reader.submit(str(queue.pop(0)[0]))
                    changed = _changed_since(path, stat)
                    if changed == "deleted":
                        raise LoaderError(path, GONE)
                    if changed and path not in retried:  # hashed one version, read another: again
                        retried.add(path)
                        fresh = self._rehash(path)
                        work.append(fresh)
                        queue.append(fresh)
                        if not reader.in_flight:
                            reader.submit(str(queue.pop(0)[0]))
                        continue
                    if changed:
                        raise LoaderError(path, CHANGING)
                    count = self._index(document, stat, sha, cancel)
                except LoaderError as err:
                    done += 1
                    if not path.exists() and err.reason != CHANGING:
                        if previous is not None:  # deleted during the import: it leaves the library
                            self.remove(str(path))
                            removed += 1
                        else:
                            failed.append(FileProblem(str(path), GONE))
                        done_bytes += stat.st_size
                        report(IngestProgress(done, total, done_bytes, total_bytes, str(path), "failed"))
                        continue
                    log.info("failed: %s", err)
                    failed.append(FileProblem(str(path), err.reason))
                    if err.reason != CHANGING or previous is None or previous.state != "indexed":
                        self.catalog.mark(  # (an indexed file still changing keeps its indexed version)
                            str(path),
                            kind=_kind(path),
                            size=stat.st_size,
                            mtime_ns=stat.st_mtime_ns,
                            sha256=sha,
                            state="failed",
                            error=err.reason,
                        )
                    done_bytes += stat.st_size
                    report(IngestProgress(done, total, done_bytes, total_bytes, str(path), "failed"))
                    continue
                if count is None:  # cancelled mid-file: it stays marked for the next run
                    break
                self.on_indexed()
                done += 1
                if previous is not None and previous.state == "indexed":
                    updated += 1
                else:
                    added += 1
                chunks += count
                pages += document.pages
                done_bytes += stat.st_size
                report(IngestProgress(done, total, done_bytes, total_bytes, str(path), "indexed", count))
        finally:
            reader.close()
        if not cancel.is_set():
            self.catalog.clear_pending_imports()
        return IngestSummary(
            added=added,
            updated=updated,
            unchanged=plan.unchanged,
            removed=removed,
            chunks=chunks,
            failed=failed,
            skipped=plan.skipped,
            seconds=round(time.perf_counter() - started, 3),
            pages=pages,
            cancelled=cancel.is_set(),
        )

    def _rehash(self, path: Path) -> tuple[Path, os.stat_result, str]:
        try:
            return path, path.stat(), sha256_file(path)
        except OSError as exc:
            reason = GONE if not path.exists() else f"cannot read file ({exc.strerror})"
            raise LoaderError(path, reason) from None

    def _timeout(self, size: int) -> float:
        return self.options.file_timeout_s + size / 1e6  # a second more per MB

    def _plan(self, paths: list[Path], retry_failed: bool = True) -> _Plan:
        files, failed, skipped, folders = scan(paths, self.catalog.excluded())
        plan = _Plan(failed=failed, skipped=skipped, folders=folders)
        limit = self.options.max_file_mb * 1024 * 1024
        for path in files:
            try:
                stat = path.stat()
                if stat.st_size > limit:
                    raise LoaderError(
                        path,
                        f"{stat.st_size / 2**20:.0f} MB is over the "
                        f"{self.options.max_file_mb} MB limit (ingest.max_file_mb)",
                    )
                known = self.catalog.file(str(path))
                # a file the time limit stopped mid-OCR goes on where it was, at every refresh
                keep_failed = not retry_failed and OCR_RESUMES not in ((known and known.error) or "")
                if (
                    known
                    and (known.state == "indexed" or (known.state == "failed" and keep_failed))
                    and known.size == stat.st_size
                    and known.mtime_ns == stat.st_mtime_ns
                ):
                    plan.unchanged += 1
                    continue
                sha = sha256_file(path)
            except PermissionError:
                plan.failed.append(FileProblem(str(path), "permission denied"))
                continue
            except OSError as exc:
                plan.failed.append(FileProblem(str(path), f"cannot read file ({exc.strerror})"))
                continue
            except LoaderError as err:
                plan.failed.append(FileProblem(str(path), err.reason))
                continue
            if known and known.state == "indexed" and known.sha256 == sha:
                self.catalog.touch(str(path), stat.st_mtime_ns)  # touched, not changed
                plan.unchanged += 1
                continue
            plan.work.append((path, stat, sha))
        return plan

    def _drop_deleted(self, folders: list[Path]) -> int:
        removed = 0
        for folder in folders:
            for record in self.catalog.files(under=str(folder)):
                if not Path(record.path).exists():
                    self.remove(record.path)
                    removed += 1
        return removed

    def remove(self, path: str) -> bool:
        self.store.delete_path(path)
        return self.catalog.remove(path)

    def _index(
        self,
        document: LoadedDocument,
        stat: os.stat_result,
        sha: str,
        cancel: threading.Event,
    ) -> int | None:
        """Commit one document's chunks (its words); None if cancelled before it was committed."""
        opts = self.options
        chunks = chunk_sections(document.path, sha, document.sections, opts.chunk_chars, opts.overlap_chars)
        if not chunks:
            raise LoaderError(document.path, "no text to index")
        if cancel.is_set():
            return None
        pause = self.options.write_pause_s
        # Under the write lock the vector pass also takes: it never stores vectors of the version
        # this replaces once that version's vectors are dropped here (see library/vectors.py).
        with self.write_lock:
            self.catalog.mark(
                document.path,
                kind=document.kind,
                size=stat.st_size,
                mtime_ns=stat.st_mtime_ns,
                sha256=sha,
                state="indexing",
            )
            time.sleep(pause)
            self.store.delete_path(document.path)  # the old version's vectors, and any a crash left
            time.sleep(pause)
            self.catalog.replace_chunks(document.path, chunks, document.pages, embedded=False)
        if document.warnings:
            log.warning("%s: %s", document.path, "; ".join(document.warnings))
        return len(chunks)


GONE = "no longer exists (it was deleted during the import)"
CHANGING = "changed while it was being imported: import it again once it is saved"


def _changed_since(path: Path, stat: os.stat_result) -> str | None:
    """'deleted', 'changed' or None: whether the file still is the version that was hashed."""
    try:
        now = path.stat()
    except FileNotFoundError:
        return "deleted"
    except OSError:
        return None  # unreadable now: the next run finds out; what was read matches the hash
    same = (now.st_size, now.st_mtime_ns, now.st_ino) == (stat.st_size, stat.st_mtime_ns, stat.st_ino)
    return None if same else "changed"


def _kind(path: Path) -> str:
    return SUPPORTED.get(path.suffix.lower(), "other")
