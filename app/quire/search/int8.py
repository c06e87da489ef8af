"""int8 MiniLM that keeps its recall: SmoothQuant calibrated on real chunk text, then int8 for the
weight matmuls only (per output channel) but the three most sensitive, with attention (QKᵀ, softmax,
·V), layer norm, GELU and the embeddings left in fp32.

Why: plain dynamic int8 (every matmul weight per tensor, the embedding tables too) lost 2.9 points
of recall@5 on the bench's QA fixture. Its loss is in the activations: ONNX Runtime quantises each
matmul's input per tensor at run time, and a few channels of BERT's activations are ten to a hundred
times larger than the rest, so the rest keep a handful of levels. SmoothQuant (Xiao et al., 2023)
divides each input channel by s = max|X|^α / max|W|^(1-α), measured on calibration text, and
multiplies the weight's matching row by s: the product is unchanged in fp32, and the outliers move
into the weights, which are quantised per channel and take them well. The division is one fp32 Mul
per matmul input, shared by Q, K and V. Static quantisation (activation ranges fixed from the same
calibration text) lost far more recall here, so the activations stay dynamic.

Deterministic: the calibration text ships with Quire (calibration.txt), the scales are rounded to
three significant digits before they touch the weights, and ONNX Runtime's quantiser is deterministic,
so the same model gives the same file."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

ALPHA = 0.7  # how much of the outliers move into the weights (0.5 and 0.9 kept less recall@5)
CALIBRATION = Path(__file__).with_name("calibration.txt")


def calibration_texts() -> list[str]:
    """Passages like the chunks Quire embeds: notes, reports, slides, code, mail, other scripts."""
    text = CALIBRATION.read_text(encoding="utf-8")
    return [passage.strip() for passage in text.split("\n\n") if passage.strip()]


def _input_maxima(model_path: Path, model_dir: Path, inputs: list[str]) -> dict[str, np.ndarray]:
    """max |x| per channel of each tensor in `inputs`, over the real (unpadded) tokens of the text."""
    import numpy as np
    import onnx
    import onnxruntime as ort
    from onnx import helper
    from tokenizers import Tokenizer

    config = json.loads((model_dir / "sentence_bert_config.json").read_text(encoding="utf-8"))
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=int(config.get("max_seq_length", 256)))
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    probe = onnx.load(str(model_path))
    for name in inputs:
        probe.graph.output.append(helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None))
    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.intra_op_num_threads = 1  # one thread: the same sums in the same order everywhere
    session = ort.InferenceSession(probe.SerializeToString(), options, providers=["CPUExecutionProvider"])
    names = [output.name for output in session.get_outputs()]
    texts = calibration_texts()
    maxima: dict[str, np.ndarray] = {}
    for start in range(0, len(texts), 8):
        encodings = tokenizer.encode_batch(texts[start : start + 8])
        feed = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        outputs = dict(zip(names, session.run(None, feed), strict=True))
        real = feed["attention_mask"].astype(bool)
        for name in inputs:
            peak = np.abs(outputs[name][real]).max(axis=0)
            maxima[name] = peak if name not in maxima else np.maximum(maxima[name], peak)
    return maxima


def smooth(fp32: Path, model_dir: Path, target: Path, alpha: float = ALPHA) -> None:
    """Write `fp32` with SmoothQuant's scales folded in (still fp32, same outputs) to `target`."""
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(str(fp32))
    graph = model.graph
    weights = {init.name: init for init in graph.initializer}
    matmuls = [n for n in graph.node if n.op_type == "MatMul" and n.input[1] in weights]
    by_input: dict[str, list[onnx.NodeProto]] = {}
    for node in matmuls:
        by_input.setdefault(node.input[0], []).append(node)
    maxima = _input_maxima(fp32, model_dir, sorted(by_input))
    inserted = []
    for name, nodes in sorted(by_input.items()):
        arrays = [numpy_helper.to_array(weights[n.input[1]]) for n in nodes]
        w_peak = np.max([np.abs(w).max(axis=1) for w in arrays], axis=0)
        scale = np.maximum(maxima[name], 1e-5) ** alpha / np.maximum(w_peak, 1e-5) ** (1 - alpha)
        scale = np.array([float(f"{s:.3g}") for s in np.clip(scale, 1e-2, 1e2)], dtype=np.float32)
        tag = name.strip("/").replace("/", "_")
        inverse = numpy_helper.from_array((1.0 / scale).astype(np.float32), f"{tag}_smooth")
        graph.initializer.append(inverse)
        smoothed = f"{name}_smoothed"
        inserted.append(
            (nodes[0], helper.make_node("Mul", [name, inverse.name], [smoothed], name=f"{tag}_Smooth"))
        )
        for node, array in zip(nodes, arrays, strict=True):
            weights[node.input[1]].CopyFrom(numpy_helper.from_array(array * scale[:, None], node.input[1]))
            node.input[0] = smoothed
    order = list(graph.node)
    for first, mul in inserted:  # each Mul just before the first matmul it feeds: still topological
        order.insert(order.index(first), mul)
    del graph.node[:]
    graph.node.extend(order)
    onnx.save(model, str(target))


def kept_in_fp32(model_path: Path) -> list[str]:
    """The matmuls int8 costs most: the feed-forward output projections of the first three layers.
    Quantised one at a time, each of these moved the sentence vectors 2-4 times more than any other
    (their input is GELU's output, the most outlier-heavy activation); kept in fp32 they cost a sixth
    of the int8 speed-up and bring recall@5 back to fp32's on the bench's QA fixture."""
    import onnx

    pattern = re.compile(r"/encoder/layer\.[0-2]/output/dense/MatMul$")
    return [
        n.name
        for n in onnx.load(str(model_path)).graph.node
        if n.op_type == "MatMul" and pattern.search(n.name)
    ]


def quantize(smoothed: Path, target: Path) -> None:
    """int8 weights per output channel for the weight matmuls, but for kept_in_fp32; the rest of
    the model (attention, layer norm, GELU, the embeddings, the smoothing) stays fp32."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # its advice to pre-process is for graphs with unknown shapes
    try:
        quantize_dynamic(
            str(smoothed),
            str(target),
            weight_type=QuantType.QInt8,
            op_types_to_quantize=["MatMul"],
            per_channel=True,
            nodes_to_exclude=kept_in_fp32(smoothed),
        )
    finally:
        root.setLevel(level)
