"""The Oracle store's date and scope filter, on the SQL text and binds (no server needed)."""

from __future__ import annotations

from store_helpers import DIM

from quire.search.filters import VectorFilter
from quire.search.stores.base import StoredDocument
from quire.search.stores.oracle_sql import OracleSql, doc_id, document_binds


def test_documents_carry_a_date_column_and_bind() -> None:
    sql = OracleSql("quire", DIM)
    tables = dict(sql.create_tables())
    assert "doc_date NUMBER(8)" in tables["QUIRE_DOCUMENTS"]
    assert sql.add_date_column() == "ALTER TABLE QUIRE_DOCUMENTS ADD (doc_date NUMBER(8))"
    merge = sql.merge_document()
    assert ":doc_date AS doc_date" in merge and "d.doc_date = s.doc_date" in merge
    binds = document_binds(StoredDocument("/lib/a.md", "f" * 64, "note", 10, 0, date="2021-10-21"))
    assert binds["doc_date"] == 20211021
    assert document_binds(StoredDocument("/lib/b.md", "f" * 64))["doc_date"] is None
    assert set(binds) == {
        name.split(" AS ")[0].strip(":")
        for name in merge.split("SELECT ")[1].split(" FROM dual")[0].split(", ")
    }


def test_a_date_range_filters_both_searches_in_sql() -> None:
    sql = OracleSql("quire", DIM)
    clause, binds = sql.filter_clause(VectorFilter(date_from=20211018, date_to=20211024))
    assert clause == "d.doc_date >= :date_from AND d.doc_date <= :date_to"
    assert binds == {"date_from": 20211018, "date_to": 20211024}
    nearest = sql.nearest(clause)
    assert "JOIN QUIRE_DOCUMENTS d ON d.doc_id = c.doc_id WHERE d.doc_date >= :date_from" in nearest
    # the vector index still serves it: the ORDER BY is the distance expression itself
    assert nearest.endswith(
        "ORDER BY VECTOR_DISTANCE(c.embedding, :q, COSINE) FETCH APPROX FIRST :k ROWS ONLY"
    )
    text = sql.text_search(clause)
    assert "WHERE CONTAINS(c.text, :q, 1) > 0 AND d.doc_date >= :date_from AND d.doc_date <= :date_to" in text
    assert sql.nearest() == sql.nearest("")  # no filter: the plain statement, unchanged


def test_a_scope_names_the_documents_in_lists_oracle_accepts() -> None:
    sql = OracleSql("quire", DIM)
    paths = tuple(f"/lib/doc{n}.md" for n in range(1500))
    clause, binds = sql.filter_clause(VectorFilter(date_from=20210101, paths=paths))
    assert clause.startswith("d.doc_date >= :date_from AND (c.doc_id IN (:doc0, ")
    assert clause.count("IN (") == 2 and " OR c.doc_id IN (:doc1000, " in clause
    assert len([k for k in binds if k.startswith("doc")]) == 1500
    assert binds["doc0"] == doc_id("/lib/doc0.md") and binds["doc1499"] == doc_id("/lib/doc1499.md")
    for name in binds:
        assert f":{name}" in clause  # every bind is used, none is missing
    empty, none = sql.filter_clause(VectorFilter(paths=()))
    assert empty == "1 = 0" and none == {}
    assert (
        sql.undated_documents()
        == "SELECT count(*) FROM QUIRE_DOCUMENTS WHERE doc_date IS NULL AND sha256 IS NOT NULL"
    )
