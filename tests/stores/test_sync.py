"""`quire sync` bookkeeping against the real catalog and real stores: what is pending, a push cut
off by a dropped connection and resumed, removals, and pulling a team library for the plane.
The "remote" is a second Chroma store (sync only needs the store protocol); the Oracle run of the
same flows is in test_contract's Oracle parameter and the Oracle test below."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import oracledb
import pytest
from store_helpers import DIM, EMBEDDER, check_oracle_indexes, chunks_for, oracle_config, unit

from quire.library.catalog import Catalog
from quire.library.sync import REMOTE, pull, push
from quire.search.stores.base import StoredDocument
from quire.search.stores.chroma import ChromaStore
from quire.search.stores.oracle_errors import explain


class DropsAfter:
    """A real store whose link dies (with the driver's own error) after `n` files were written."""

    def __init__(self, store: ChromaStore, n: int) -> None:
        self.store, self.left = store, n

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self.store, name)

    def put_file(self, document: StoredDocument, chunks, vectors) -> None:  # type: ignore[no-untyped-def]
        if self.left == 0:
            lost = oracledb.DatabaseError(
                oracledb._Error("DPY-4011: the database or network closed the connection")
            )
            raise explain(lost, "db:1521/FREEPDB1", "quire", f"writing {document.path}")
        self.left -= 1
        self.store.put_file(document, chunks, vectors)


def add_file(catalog: Catalog, store: ChromaStore, path: str, texts: list[str], sha: str) -> None:
    """What an import leaves behind: a catalog entry with chunks, and their vectors locally."""
    chunks = chunks_for(path, texts, sha)
    catalog.mark(path, kind="md", size=len(path), mtime_ns=1, sha256=sha, state="indexing")
    store.upsert(
        [c.id for c in chunks], np.stack([unit(hash(c.id) % 1000) for c in chunks]), [path] * len(chunks)
    )
    catalog.replace_chunks(path, chunks, 1)


@pytest.fixture
def library(tmp_path: Path) -> tuple[Catalog, ChromaStore]:
    return Catalog(tmp_path / "catalog.sqlite3"), ChromaStore(tmp_path / "chroma", EMBEDDER, DIM)


def test_pending_push_follows_imports_changes_and_removals(library, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    catalog, local = library
    remote = ChromaStore(tmp_path / "remote", EMBEDDER, DIM)
    for n in range(3):
        add_file(catalog, local, f"/lib/{n}.md", [f"note {n} part a", f"note {n} part b"], f"{n}" * 64)
    assert [f.path for f in catalog.pending_push(REMOTE)[0]] == ["/lib/0.md", "/lib/1.md", "/lib/2.md"]

    summary = push(catalog, local, remote)
    assert (summary.pushed, summary.pending, summary.interrupted) == (3, 0, None)
    assert remote.count() == 6 and catalog.pending_push(REMOTE) == ([], [])
    assert push(catalog, local, remote).pushed == 0  # idempotent

    add_file(catalog, local, "/lib/1.md", ["note 1 rewritten"], "9" * 64)  # changed file
    catalog.remove("/lib/2.md")  # removed here
    files, gone = catalog.pending_push(REMOTE)
    assert [f.path for f in files] == ["/lib/1.md"] and [h.path for h in gone] == ["/lib/2.md"]
    summary = push(catalog, local, remote)
    assert (summary.pushed, summary.deleted) == (1, 1)
    assert remote.documents() == {"/lib/0.md": "0" * 64, "/lib/1.md": "9" * 64}
    assert remote.count() == 3


def test_a_push_cut_off_mid_way_resumes_with_nothing_lost_or_doubled(library, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    catalog, local = library
    remote = ChromaStore(tmp_path / "remote", EMBEDDER, DIM)
    for n in range(5):
        add_file(catalog, local, f"/lib/{n}.md", [f"text {n}", f"more {n}"], f"{n}" * 64)
    seen = []
    cut = push(catalog, local, DropsAfter(remote, 2), progress=seen.append)  # type: ignore[arg-type]
    assert cut.pushed == 2 and cut.pending == 3
    assert cut.interrupted and "cannot be reached while writing /lib/2.md" in cut.interrupted
    assert [event.action for event in seen] == ["pushed", "pushed"]

    resumed = push(catalog, local, remote)
    assert (resumed.pushed, resumed.pending, resumed.interrupted) == (3, 0, None)
    assert remote.count() == 10 == catalog.counts()["chunks"]
    assert len(remote.documents()) == 5

    catalog.forget_holding(REMOTE, "/lib/0.md")  # sent, but the record of it was lost (crash)
    again = push(catalog, local, remote)
    assert (again.pushed, again.unchanged) == (0, 1)  # same content hash there: nothing re-sent


def test_lost_local_vectors_are_re_embedded_for_the_push(library, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    catalog, local = library
    remote = ChromaStore(tmp_path / "remote", EMBEDDER, DIM)
    add_file(catalog, local, "/lib/a.md", ["alpha"], "a" * 64)
    local.delete_path("/lib/a.md")
    failed = push(catalog, local, remote)
    assert failed.failed and "vectors are missing" in failed.failed[0].error
    summary = push(catalog, local, remote, embed=lambda texts: np.stack([unit(5) for _ in texts]))
    assert summary.pushed == 1 and remote.count() == 1


def test_pull_brings_a_team_library_here_and_keeps_local_edits(library, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    team = Catalog(tmp_path / "team.sqlite3")
    team_local = ChromaStore(tmp_path / "team-chroma", EMBEDDER, DIM)
    remote = ChromaStore(tmp_path / "remote", EMBEDDER, DIM)
    add_file(team, team_local, "/team/plan.md", ["Launch in May", "Budget 40k"], "p" * 64)
    add_file(team, team_local, "/team/shared.md", ["Their version"], "t" * 64)
    push(team, team_local, remote)

    catalog, local = library
    add_file(catalog, local, "/team/shared.md", ["My unpushed edit"], "m" * 64)
    summary = pull(catalog, local, remote)
    assert (summary.pulled, summary.kept_local) == (1, ["/team/shared.md"])
    plan = catalog.file("/team/plan.md")
    assert plan is not None and plan.state == "indexed" and plan.sha256 == "p" * 64
    ids = catalog.chunk_ids("/team/plan.md")
    assert [c.text for c in catalog.chunks_by_id(ids).values()] == ["Launch in May", "Budget 40k"]
    assert catalog.full_text_search("budget", 5) == [ids[1]]  # words searchable offline
    assert local.query(team_local.get_vectors([ids[0]])[0], 1)[0][0] == ids[0]  # vectors too
    assert catalog.chunks_by_id(ids)[ids[0]].page == 1
    assert pull(catalog, local, remote).pulled == 0  # idempotent
    assert catalog.pending_push(REMOTE)[0][0].path == "/team/shared.md"  # the edit still goes up

    catalog.remove("/team/plan.md")  # dropping a pulled team file here leaves it in Oracle
    summary = push(catalog, local, remote)
    assert summary.deleted == 0 and "/team/plan.md" in remote.documents()
    assert remote.documents()["/team/shared.md"] == "m" * 64


def test_push_and_pull_through_oracle(library, oracle_prefix: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from quire.search.stores.oracle import OracleStore

    catalog, local = library
    oracle = OracleStore(oracle_config(oracle_prefix), EMBEDDER, DIM)
    check_oracle_indexes(oracle)  # make test-oracle: the index kind asked for, Oracle Text present
    try:
        for n in range(3):
            add_file(catalog, local, f"/lib/{n}.md", [f"harbour note {n}", f"puffins {n}"], f"{n}" * 64)
        assert push(catalog, local, oracle).pushed == 3 and oracle.count() == 6
        assert push(catalog, local, oracle).pushed == 0
        if oracle.has_text_index:
            assert len(oracle.text_search("puffins", 10)) == 3
        other = Catalog(tmp_path / "other.sqlite3")
        other_local = ChromaStore(tmp_path / "other-chroma", EMBEDDER, DIM)
        assert pull(other, other_local, oracle).pulled == 3
        assert other.counts()["chunks"] == other_local.count() == 6
    finally:
        oracle.close()
