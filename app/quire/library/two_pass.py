"""An import as two passes at once: the words pass (ingest.py) and, beside it, the vector pass
(vectors.py), sharing one write lock and one progress stream; and the vector pass alone."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from quire.library.ingest import Ingestor, IngestProgress, IngestSummary
from quire.library.vectors import JoinedProgress, VectorPass, VectorProgress, VectorSummary

MakeVectors = Callable[[threading.Lock, Callable[[VectorProgress], None] | None], VectorPass]
MakeWords = Callable[[threading.Lock, Callable[[], None] | None], Ingestor]


def run_import(
    make_words: MakeWords,
    make_vectors: MakeVectors | None,
    paths: list[Path],
    progress: Callable[[IngestProgress], None] | None,
    cancel: threading.Event | None,
    retry_failed: bool,
) -> IngestSummary:
    """The words pass over `paths`; with `make_vectors`, the vector pass beside it until every file
    it indexed (and any left waiting before) has its vectors. A failure in either stops both and is
    raised once the other has stopped."""
    started = time.perf_counter()
    lock = threading.Lock()
    joined = JoinedProgress(progress)
    vectors = make_vectors(lock, joined.vectors) if make_vectors else None
    words = make_words(lock, vectors.indexed if vectors else None)
    if vectors is not None:
        vectors.start()
    try:
        summary = words.run(paths, joined.words, cancel, retry_failed=retry_failed)
    except BaseException:
        if vectors is not None:
            vectors.stop()
            vectors.join()
        raise
    words_s = round(time.perf_counter() - started, 3)
    made: VectorSummary | None = None
    if vectors is not None:
        vectors.words_done()
        made = vectors.join()
        if vectors.error is not None:
            raise vectors.error
    pending = words.catalog.counts()["pending_embedding"]
    return replace(
        summary,
        seconds=round(time.perf_counter() - started, 3),
        words_seconds=words_s,
        embedded=made.embedded if made else 0,
        pending_embedding=pending,
        cancelled=summary.cancelled or (cancel is not None and cancel.is_set()),  # (in either pass)
    )


def run_vectors(
    make_vectors: MakeVectors, progress: Callable[[VectorProgress], None] | None
) -> VectorSummary:
    """The vector pass alone, in this thread, over everything waiting; its failure is raised."""
    vectors = make_vectors(threading.Lock(), progress)
    made = vectors.run()
    if vectors.error is not None:
        raise vectors.error
    return made
