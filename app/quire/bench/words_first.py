"""Words first, measured: drop a folder of mixed files into an empty library and time what the user
waits for: the first full-text hit, every file searchable by its words, every file embedded. And the
cold-process search: `quire search` from a fresh process, as a script or a launcher runs it."""

from __future__ import annotations

import statistics
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from quire.bench.corpus import TOPICS, make_bench_corpus
from quire.config import Settings, environment_for_child
from quire.library.background import quire_command

DROP_FILES = 200


def measure_drop(work: Path, settings: Settings, files: int) -> dict[str, Any]:
    """Import `files` generated notes, PDFs and decks (2 pages each) into a new library in this
    process, polling full-text search from a second thread as a user asking at once would."""
    from quire.core import Quire

    folder = work / f"drop-{files}"
    make_bench_corpus(folder, files, 2, seed=5)
    home = work / f"drop-home-{files}"
    drop = Settings.load(home)
    for key in ("embedder.backend", "embedder.device"):
        drop.set(key, settings.get(key))
    quire = Quire(drop)
    quire.embedder.warm_up()  # the app has it loaded by the time a folder is dropped
    first_hit: list[float] = []
    done = threading.Event()

    def ask() -> None:
        word = TOPICS[0].split()[-1]  # in every tenth file
        while not done.is_set() and not first_hit:
            if quire.catalog.full_text_search(word, 1):
                first_hit.append(time.perf_counter() - started)
            time.sleep(0.01)

    started = time.perf_counter()
    asker = threading.Thread(target=ask, daemon=True)
    asker.start()
    summary = quire.ingest([folder])
    done.set()
    asker.join()
    return {
        "drop_files": summary.added,
        "drop_chunks": summary.chunks,
        "drop_first_hit_s": round(first_hit[0], 2) if first_hit else None,
        "drop_all_words_s": summary.words_seconds,
        "drop_all_embedded_s": summary.seconds,
        "drop_words_to_embedded_ratio": round(summary.words_seconds / summary.seconds, 2)
        if summary.seconds
        else None,
    }


def measure_search_process(home: Path, runs: int) -> dict[str, Any]:
    """`quire search` in a fresh process, launch to exit: median wall time, and CPU time (user and
    system) so a busy machine's queueing can be told apart from work done."""
    try:
        import resource
    except ImportError:  # Windows: wall time only
        resource = None  # type: ignore[assignment]

    def cpu_so_far() -> float:
        if resource is None:
            return 0.0
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        return used.ru_utime + used.ru_stime

    env = environment_for_child(QUIRE_HOME=str(home))
    argv = quire_command("search", "What was measured about tidal energy?", "-k", "4")
    walls, cpus = [], []
    for _ in range(runs + 1):  # the first run warms the disk cache and is not counted
        before = cpu_so_far()
        started = time.perf_counter()
        done = subprocess.run(argv, env=env, capture_output=True, timeout=300)
        walls.append(time.perf_counter() - started)
        cpus.append(cpu_so_far() - before)
        if done.returncode != 0:
            return {"search_process_error": done.stderr.decode(errors="replace").strip()[-300:]}
    return {
        "search_cold_process_s": round(statistics.median(walls[1:]), 2),
        "search_cold_process_cpu_s": round(statistics.median(cpus[1:]), 2) if resource else None,
    }
