"""The bench's figures as the README's Performance table: Quire, its reference, the ratio, the target."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

START = "<!-- bench:start -->"
END = "<!-- bench:end -->"

# what, Quire's figure, the reference's figure, the ratio, the target
ROWS: list[tuple[str, str, str | None, str | None, str]] = [
    ("Import, end to end (chunks/s)", "ingest_chunks_per_s", "embed_{backend}_chunks_per_s",
     "pipeline_to_raw_ratio", "≥ 0.9 of plain encode"),
    ("Import (pages/s)", "ingest_pages_per_s", None, None, ""),
    ("Embedding, fp32 ONNX (chunks/s)", "embed_onnx_chunks_per_s", "embed_torch_chunks_per_s",
     "onnx_to_torch_ratio", "≥ 200"),
    ("Embedding, int8 dynamic ONNX (chunks/s)", "embed_onnx_int8_dynamic_chunks_per_s",
     "embed_onnx_chunks_per_s", "onnx_int8_dynamic_to_fp32_ratio", ""),
    ("Embedding, int8 smoothed ONNX (chunks/s)", "embed_onnx_int8_chunks_per_s", "embed_onnx_chunks_per_s",
     "onnx_int8_to_fp32_ratio", ""),
    ("Embedding on the GPU, fp32 ONNX (chunks/s)", "embed_gpu_chunks_per_s", "embed_onnx_chunks_per_s",
     "gpu_to_cpu_ratio", ""),
    ("Recall@5 on the QA fixture, fp32 ONNX (%)", "embed_onnx_recall5_pct", "embed_torch_recall5_pct", None,
     "within 1 point of fp32"),
    ("Recall@5 on the QA fixture, int8 dynamic (%)", "embed_onnx_int8_dynamic_recall5_pct",
     "embed_onnx_recall5_pct", None, "within 1 point of fp32"),
    ("Recall@5 on the QA fixture, int8 smoothed (%)", "embed_onnx_int8_recall5_pct", "embed_onnx_recall5_pct",
     None, "within 1 point of fp32"),
    ("Dropped files: first full-text hit (s)", "drop_first_hit_s", None, None, "seconds"),
    ("Dropped files: all searchable by words (s)", "drop_all_words_s", None, None, ""),
    ("Dropped files: all embedded (s)", "drop_all_embedded_s", None, None, ""),
    ("Query embedding p50 (ms)", "query_embed_p50_ms", None, None, ""),
    ("Search p95, this corpus (ms)", "search_corpus_p95_ms", None, None, ""),
    ("Search p95, 10k chunks (ms)", "search_10k_p95_ms", None, None, ""),
    ("Search p95, 100k chunks (ms)", "search_100k_p95_ms", None, None, "≤ 25"),
    ("Memory added by a 100k-chunk library (MB)", "search_100k_rss_growth_mb", None, None, ""),
    ("Local TTFT, 4 sources, cold (s)", "local_ttft_cold_s", None, None, ""),
    ("Local TTFT, 4 sources, warm (s)", "local_ttft_warm_s", None, None, "≤ 1.5"),
    ("Local prompt (tokens/s)", "local_prompt_tok_s", "native_prompt_tok_s", "prompt_to_native_ratio", ""),
    ("Local decode (tokens/s)", "local_decode_tok_s", "native_decode_tok_s", "decode_to_native_ratio",
     "≥ 0.95 of llama-bench"),
    ("Local decode, best run (tokens/s)", "local_decode_best_tok_s", "native_decode_best_tok_s",
     "decode_best_to_native_best_ratio", "≥ 0.95 of llama-bench"),
    ("LAN server TTFT (s)", "lan_ttft_s", None, None, ""),
    ("LAN server decode (tokens/s)", "lan_decode_tok_s", None, None, ""),
    ("OCI TTFT (s)", "oci_ttft_s", None, None, ""),
    ("OCI decode (tokens/s)", "oci_decode_tok_s", None, None, ""),
    ("Import .docx (files/s)", "import_docx_files_per_s", None, None, ""),
    ("Import .xlsx, 300 rows each (files/s)", "import_xlsx_files_per_s", None, None, ""),
    ("Import .csv, 300 rows each (files/s)", "import_csv_files_per_s", None, None, ""),
    ("Import .html (files/s)", "import_html_files_per_s", None, None, ""),
    ("Import .epub (files/s)", "import_epub_files_per_s", None, None, ""),
    ("Import .pptx of charts (files/s)", "import_pptx_chart_files_per_s", None, None, ""),
    ("Import scanned PDFs, 2 pages each (files/s)", "import_scan_pdf_files_per_s", None, None, ""),
    ("OCR at 150 dpi (pages/s)", "ocr_pages_per_s", None, None, ""),
    ("OCR at 150 dpi (s/page)", "ocr_s_per_page", None, None, ""),
    ("OCR word accuracy on a known page (%)", "ocr_word_accuracy_pct", None, None, "≥ 95"),
    ("Time-scoped questions citing exactly the period's documents (%)", "scoped_exact_pct", None, None,
     "≥ 90"),
    ("Set question over 5 documents, default model (s)", "set5_first_s", None, None, ""),
    ("Set question with notes, asked again (s)", "set_notes_again_s", "set_notes_first_s", None, ""),
    ("Follow-ups resolved by the rules (of 12)", "followup_rules_right", None, None, ""),
    ("Launch to window shown (s)", "startup_window_s", None, None, "≤ 1"),
    ("Launch to first answer token (s)", "startup_first_token_s", None, None, ""),
    ("`quire search` in a fresh process (s)", "search_cold_process_s", None, None, "≤ 0.6"),
    ("… of which CPU time (s)", "search_cold_process_cpu_s", None, None, ""),
    ("Peak RSS importing the smaller corpus (MB)", "import_{small}_pdfs_peak_rss_mb", None, None, ""),
    ("Peak RSS importing twice as many PDFs (MB)", "import_{large}_pdfs_peak_rss_mb", None, None, "≤ 1536"),
    ("Growth of peak RSS with twice the files (%)", "import_rss_growth_pct", None, None, "≈ 0"),
    ("Answers: key fact in what the user reads (%)", "answers_default_fact_read_pct",
     "answers_before_fact_read_pct", None, "≥ 80 (reference: before the quick answer)"),
    ("Answers: key fact in the quick answer (%)", "answers_default_fact_in_quick_pct", None, None, ""),
    ("Answers: key fact in the model's answer (%)", "answers_default_fact_in_answer_pct",
     "answers_before_fact_in_answer_pct", None, ""),
    ("Answers: loops stopped by the guard", "answers_default_loops", "answers_before_loops", None, ""),
    ("Answers: run on to max_tokens", "answers_default_runaways", "answers_before_runaways", None, "0"),
    ("Quick answer after retrieval, p95 (ms)", "answers_default_quick_after_retrieval_p95_ms", None, None,
     "≤ 300"),
    ("Enter to the model's first token, p50 (s)", "answers_default_enter_to_first_token_p50_s",
     "answers_before_enter_to_first_token_p50_s", None, ""),
    ("Passage with the fact first, after reranking (%)", "rerank_fact_first_after_pct",
     "rerank_fact_first_before_pct", None, "reference: retrieval order"),
    ("Claim check: invented figures caught (%)", "check_caught_pct", None, None, ""),
    ("Claim check: false alarms on supported answers (%)", "check_false_alarm_pct", None, None, ""),
]  # fmt: skip


def _fill(key: str, figures: dict[str, Any]) -> str:
    sizes = sorted(
        int(m.group(1)) for k in figures if (m := re.fullmatch(r"import_(\d+)_pdfs_peak_rss_mb", k))
    )
    return key.format(
        backend=str(figures.get("embedder_backend", "onnx")).replace("-", "_"),
        small=sizes[0] if sizes else 0,
        large=sizes[-1] if sizes else 0,
    )


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".") if abs(value) < 100 else f"{value:,.0f}"
    return str(value)


def table(figures: dict[str, Any]) -> str:
    lines = [
        "| What | Quire | Reference | Ratio | Target |",
        "|---|---:|---:|---:|---|",
    ]
    for label, mine, reference, ratio, target in ROWS:
        value = figures.get(_fill(mine, figures))
        if value is None:
            continue  # not measured in this run (a section skipped, a provider not configured)
        ref = figures.get(_fill(reference, figures)) if reference else None
        lines.append(
            f"| {label} | {_cell(value)} | {_cell(ref)} | {_cell(figures.get(ratio) if ratio else None)} "
            f"| {target} |"
        )
    where = (
        f"{figures.get('machine_cpu')}, {figures.get('machine_cores')} cores, "
        f"{figures.get('machine_memory_gb')} GB, {figures.get('machine_os')}"
    )
    corpus = (
        f"{figures.get('ingest_files')} files, {figures.get('ingest_pages')} pages/slides, "
        f"{figures.get('ingest_chunks')} chunks"
    )
    references = "References:"
    if "local_model" in figures:  # (a run of some sections only may have no generation figures)
        references += (
            " sentence-transformers' own fp32 encode of the same chunks; llama.cpp's `llama-bench` "
            "built from the llama.cpp that llama-cpp-python vendors "
            f"({figures.get('native_binary', 'not run')}), "
            f"same model ({figures.get('local_model')}), {figures.get('local_threads')} threads; its decode "
            "runs with the prompt already in the context (`-d`), as Quire's does."
        )
    if "answers_questions" in figures:
        references += (
            f" Answers: {figures['answers_questions']} questions over the bench's QA library "
            "(bench/qa_library.py), the default model; the reference is the same questions answered "
            "as before the quick answer (four whole passages, no loop guard, 512 tokens)."
        )
    stamp = datetime.date.today().isoformat()
    return "\n".join(
        [
            *lines,
            *_variant_lines(figures),
            "",
            f"Measured {stamp} by `quire bench` on {where}; corpus: {corpus}.",
            references,
        ]
    )


VARIANT_COLUMNS = (
    ("fact in the model's answer (%)", "fact_in_answer_pct"),
    ("fact in what is read (%)", "fact_read_pct"),
    ("loops cut", "loops"),
    ("runaways", "runaways"),
    ("flagged figures", "flags"),
    ("honest when not in the library", "not_in_library_honest"),
    ("echoed the prompt", "echoed_prompt"),
)


def _variant_lines(figures: dict[str, Any]) -> list[str]:
    """The answers section's variants side by side (bench/answers.py): which sampling, prompt and
    model writes the fact without looping."""
    from quire.bench.answers import variant_key, variants

    found = [
        (label, key)
        for label, _model, _how in variants(False)
        if f"answers_{(key := variant_key(label))}_fact_in_answer_pct" in figures
    ]
    if len(found) < 2:
        return []
    rows = [
        "",
        "| Answer variant | " + " | ".join(name for name, _ in VARIANT_COLUMNS) + " |",
        "|---|" + "---:|" * len(VARIANT_COLUMNS),
    ]
    for label, key in found:
        cells = [_cell(figures.get(f"answers_{key}_{column}")) for _, column in VARIANT_COLUMNS]
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
    return rows


def write_readme(path: Path, figures: dict[str, Any], part: str = "") -> None:
    """Replace the table between the bench markers; add a Performance section if there is none.
    A run of some sections only (`part`, e.g. "answers") has a table of its own, between its own
    markers after the main one, so the figures of the whole run stay as they were measured."""
    text = path.read_text(encoding="utf-8")
    start, end = (START, END) if not part else (f"<!-- bench:{part}:start -->", f"<!-- bench:{part}:end -->")
    block = f"{start}\n{table(figures)}\n{end}"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + block + rest.split(end, 1)[1]
    elif part and END in text:
        head, rest = text.split(END, 1)
        run = f"`quire bench --only {part.replace('-', ' ')}`"
        text = f"{head}{END}\n\nMeasured on its own ({run}):\n\n{block}{rest}"
    else:
        text = text.rstrip("\n") + f"\n\n## Performance\n\n{block}\n"
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
