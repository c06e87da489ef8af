"""`quire bench` and what it measures: the ONNX embedder against sentence-transformers, the README
table, and the local model's token stream."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import run_cli
from quire.bench.corpus import qa_fixture
from quire.bench.embedding import recall_at_5
from quire.bench.report import END, START, write_readme
from quire.config import Settings
from quire.providers.base import SamplingOptions
from quire.search.embedder import Embedder

SHIPPED = [Path(__file__).resolve().parents[2] / "models"]


def test_onnx_embedder_gives_the_reference_vectors_and_recall(tmp_path: Path) -> None:
    fixture = qa_fixture(size=80)
    reference = Embedder(backend="torch")
    onnx = Embedder(backend="onnx", cache_dir=tmp_path / "cache", shipped=SHIPPED)
    texts = fixture.passages[:24] + ["", "ü" * 5, "word " * 600]  # empty, non-ASCII, over 256 tokens
    cosines = (reference.encode(texts) * onnx.encode(texts)).sum(axis=1)
    assert cosines.min() > 0.9999, cosines
    assert recall_at_5(onnx, fixture) == recall_at_5(reference, fixture)


def test_int8_embedder_is_exported_once_into_the_cache_and_keeps_recall(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    int8 = Embedder(backend="onnx-int8", cache_dir=cache)  # nothing shipped: it exports
    vectors = int8.encode(["puffins on the island", "copper in the sediment"])
    assert vectors.shape == (2, 384)
    made = sorted(p.name for p in cache.iterdir())  # the graph and its weights; no temp files left
    assert len(made) == 2 and made[0].endswith("-int8-smooth.onnx") and made[1] == made[0] + ".data"
    reference = Embedder(backend="torch").encode(["puffins on the island", "copper in the sediment"])
    assert (vectors * reference).sum(axis=1).min() > 0.98
    # deterministic: the same model gives the same files
    from quire.search.embedder import bundled_model_dir
    from quire.search.onnx_embedder import export

    again = tmp_path / "again"
    export(bundled_model_dir(), again / made[0], "int8")
    for name in made:
        assert (again / name).read_bytes() == (cache / name).read_bytes()
    # the promise that made it eligible as the default: recall@5 within a point of fp32
    fp32 = Embedder(backend="onnx", cache_dir=cache, shipped=SHIPPED)
    assert recall_at_5(int8)[0] >= recall_at_5(fp32)[0] - 1.0


def test_unknown_backend_is_refused_with_the_choices() -> None:
    from quire.errors import ModelError

    with pytest.raises(ModelError, match="onnx, onnx-int8, onnx-int8-dynamic, torch"):
        Embedder(backend="tensorflow")


def test_bench_measures_and_writes_the_readme_table(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# Quire\n\n## Performance\n\n{START}\nold table\n{END}\n\n## Development\n")
    result = run_cli(
        "bench", "--quick", "--documents", "3", "--only", "embedding", "--json", "--readme", str(readme),
        timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["ingest_files"] == 3 and figures["ingest_chunks"] > 0
    for backend in ("onnx", "onnx_int8", "onnx_int8_dynamic", "torch"):
        assert figures[f"embed_{backend}_chunks_per_s"] > 0
        assert 50 <= figures[f"embed_{backend}_recall5_pct"] <= 100
    assert figures["embed_onnx_recall5_pct"] == figures["embed_torch_recall5_pct"]
    assert figures["pipeline_to_raw_ratio"] > 0
    text = readme.read_text()
    # a run of one section has its own table after the main one, which keeps the whole run's figures
    assert "old table" in text and text.endswith("## Development\n")
    part = text.split("<!-- bench:embedding:start -->", 1)[1].split("<!-- bench:embedding:end -->", 1)[0]
    assert "| Import, end to end (chunks/s) |" in part and "by `quire bench` on" in part
    assert "Local decode" not in text  # generation was not run: no row pretends it was
    assert text.index(END) < text.index("<!-- bench:embedding:start -->")


def test_readme_without_a_performance_section_gets_one(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# Quire\n")
    write_readme(
        readme, {"local_decode_tok_s": 80.0, "native_decode_tok_s": 84.2, "decode_to_native_ratio": 0.95}
    )
    text = readme.read_text()
    assert "## Performance" in text and START in text and END in text
    assert "| Local decode (tokens/s) | 80 | 84.2 | 0.95 | ≥ 0.95 of llama-bench |" in text


def test_local_stream_counts_prompt_and_output_tokens() -> None:
    from quire.providers.local import LocalProvider

    provider = LocalProvider(Settings.load())
    messages = [
        {"role": "system", "content": "Answer from the sources. [1] The puffin count was 312 in 2019."},
        {"role": "user", "content": "Write a long story about puffins, cafés and naïve émigrés."},
    ]
    events = list(provider.stream(messages, max_tokens=12, sampling=SamplingOptions(temperature=0.0)))
    text = "".join(e.text for e in events)
    last = events[-1]
    assert last.output_tokens == 12 and text.strip()  # stopped at max_tokens, not before
    content = sum(provider.count_tokens(m["content"]) for m in messages)
    assert content < last.prompt_tokens <= content + 20  # the messages plus the chat template's markers
    assert "\ufffd" not in text
    again = list(provider.stream(messages, max_tokens=12, sampling=SamplingOptions(temperature=0.0)))
    assert "".join(e.text for e in again) == text  # greedy and from a cached prefix: the same answer


def test_ocr_bench_reads_its_known_page() -> None:
    """The figures `quire bench --only formats` reports for OCR, on one real page."""
    from quire.bench.formats import OCR_PAGE, measure_ocr, word_recall

    figures = measure_ocr(1, 150)
    assert figures["ocr_word_accuracy_pct"] >= 90  # 100 on the test box
    assert figures["ocr_pages_per_s"] > 0 and figures["ocr_s_per_page"] > 0
    assert word_recall(OCR_PAGE, OCR_PAGE.upper()) == 1.0 and word_recall("a b c d", "a b") == 0.5
