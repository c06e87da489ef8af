"""Read a GGUF file's header (metadata and tensor table) without llama.cpp, numpy or loading weights.

Enough to say what a file is before trusting it: its architecture, chat template, context length,
quantisation, whether it is a model or a LoRA adapter, and whether its tensors fit in the file (a
truncated download is caught here, not by a crash in llama.cpp)."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from quire.errors import ModelError

MAGIC = b"GGUF"
# Limits against a hostile or damaged header: real models stay far below them.
MAX_STRING = 64 * 2**20
MAX_ARRAY = 16 * 2**20
MAX_KV = 100_000
MAX_TENSORS = 1_000_000
KEEP_ARRAY = 64  # longer arrays (the vocabulary) are counted, not kept

_SCALARS = {
    0: "<B",
    1: "<b",
    2: "<H",
    3: "<h",
    4: "<I",
    5: "<i",
    6: "<f",
    7: "<?",
    10: "<Q",
    11: "<q",
    12: "<d",
}
_STRING, _ARRAY = 8, 9

# ggml tensor types: (elements per block, bytes per block), for the sizes of the tensors' data.
GGML_TYPES: dict[int, tuple[str, int, int]] = {
    0: ("F32", 1, 4), 1: ("F16", 1, 2), 2: ("Q4_0", 32, 18), 3: ("Q4_1", 32, 20), 6: ("Q5_0", 32, 22),
    7: ("Q5_1", 32, 24), 8: ("Q8_0", 32, 34), 9: ("Q8_1", 32, 36), 10: ("Q2_K", 256, 84),
    11: ("Q3_K", 256, 110), 12: ("Q4_K", 256, 144), 13: ("Q5_K", 256, 176), 14: ("Q6_K", 256, 210),
    15: ("Q8_K", 256, 292), 16: ("IQ2_XXS", 256, 66), 17: ("IQ2_XS", 256, 74), 18: ("IQ3_XXS", 256, 98),
    19: ("IQ1_S", 256, 50), 20: ("IQ4_NL", 32, 18), 21: ("IQ3_S", 256, 110), 22: ("IQ2_S", 256, 82),
    23: ("IQ4_XS", 256, 136), 24: ("I8", 1, 1), 25: ("I16", 1, 2), 26: ("I32", 1, 4), 27: ("I64", 1, 8),
    28: ("F64", 1, 8), 29: ("IQ1_M", 256, 56), 30: ("BF16", 1, 2), 34: ("TQ1_0", 256, 54),
    35: ("TQ2_0", 256, 66), 39: ("MXFP4", 32, 17),
}  # fmt: skip

# general.file_type (llama_ftype): what a person calls the quantisation.
FILE_TYPES = {
    0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1", 10: "Q2_K", 11: "Q3_K_S",
    12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M", 16: "Q5_K_S", 17: "Q5_K_M", 18: "Q6_K",
    19: "IQ2_XXS", 20: "IQ2_XS", 21: "Q2_K_S", 22: "IQ3_XS", 23: "IQ3_XXS", 24: "IQ1_S", 25: "IQ4_NL",
    26: "IQ3_S", 27: "IQ3_M", 28: "IQ2_S", 29: "IQ2_M", 30: "IQ4_XS", 31: "IQ1_M", 32: "BF16",
    36: "TQ1_0", 37: "TQ2_0", 38: "MXFP4_MOE",
}  # fmt: skip


@dataclass(frozen=True)
class Tensor:
    name: str
    shape: tuple[int, ...]  # ggml order: the first dimension is the row length
    type_id: int
    offset: int  # from the start of the data section

    @property
    def type_name(self) -> str:
        return GGML_TYPES.get(self.type_id, (f"type {self.type_id}", 0, 0))[0]

    @property
    def nbytes(self) -> int | None:
        if self.type_id not in GGML_TYPES:
            return None
        _, block, size = GGML_TYPES[self.type_id]
        count = 1
        for dim in self.shape:
            count *= dim
        return count // block * size


@dataclass(frozen=True)
class GGUFHeader:
    path: Path
    version: int
    metadata: dict[str, Any]
    tensors: list[Tensor] = field(repr=False)
    data_offset: int
    file_size: int

    def get(self, key: str, default: Any = None) -> Any:
        return self.metadata.get(key, default)

    @property
    def architecture(self) -> str:
        return str(self.get("general.architecture") or "")

    def arch(self, key: str, default: Any = None) -> Any:
        """An architecture-scoped value, e.g. arch("block_count") → llama.block_count."""
        return self.get(f"{self.architecture}.{key}", default)

    @property
    def kind(self) -> str:
        """ "model" or "adapter" (general.type; files from before that key are models)."""
        return str(self.get("general.type") or "model")

    @property
    def name(self) -> str:
        return str(self.get("general.name") or self.path.stem)

    @property
    def chat_template(self) -> str | None:
        template = self.get("tokenizer.chat_template")
        return template if isinstance(template, str) and template.strip() else None

    @property
    def context_length(self) -> int | None:
        value = self.arch("context_length")
        return int(value) if value else None

    @property
    def quantisation(self) -> str:
        file_type = self.get("general.file_type")
        if isinstance(file_type, int) and file_type in FILE_TYPES:
            return FILE_TYPES[file_type]
        counts: dict[str, int] = {}
        for tensor in self.tensors:  # the type most weights use
            counts[tensor.type_name] = counts.get(tensor.type_name, 0) + (tensor.nbytes or 0)
        return max(counts, key=lambda k: counts[k]) if counts else "?"

    @property
    def expected_size(self) -> int:
        """Where the last tensor's data ends: a smaller file is truncated."""
        end = 0
        for tensor in self.tensors:
            end = max(end, tensor.offset + (tensor.nbytes or 0))
        return self.data_offset + end

    @property
    def truncated(self) -> bool:
        return self.file_size < self.expected_size

    @property
    def parameters(self) -> int:
        total = 0
        for tensor in self.tensors:
            count = 1
            for dim in tensor.shape:
                count *= dim
            total += count
        return total

    def tensor_shapes(self) -> dict[str, tuple[int, ...]]:
        return {t.name: t.shape for t in self.tensors}


class _Reader:
    def __init__(self, handle: BinaryIO, path: Path) -> None:
        self.handle = handle
        self.path = path

    def take(self, count: int) -> bytes:
        data = self.handle.read(count)
        if len(data) != count:
            raise ModelError(f"{self.path}: the GGUF header ends early (truncated or incomplete download)")
        return data

    def scalar(self, fmt: str) -> Any:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def string(self) -> str:
        length = self.scalar("<Q")
        if length > MAX_STRING:
            raise ModelError(f"{self.path}: a GGUF string of {length} bytes: the header is damaged")
        return self.take(length).decode("utf-8", errors="replace")

    def value(self, kind: int) -> Any:
        if kind in _SCALARS:
            return self.scalar(_SCALARS[kind])
        if kind == _STRING:
            return self.string()
        if kind == _ARRAY:
            item_kind = self.scalar("<I")
            count = self.scalar("<Q")
            if count > MAX_ARRAY:
                raise ModelError(f"{self.path}: a GGUF array of {count} items: the header is damaged")
            if item_kind in _SCALARS and count > KEEP_ARRAY:  # skip a long numeric array in one seek
                self.handle.seek(count * struct.calcsize(_SCALARS[item_kind]), 1)
                return ArrayInfo(item_kind, count)
            if count > KEEP_ARRAY:  # the vocabulary: read past it
                for _ in range(count):
                    if item_kind == _STRING:
                        self.handle.seek(self.scalar("<Q"), 1)
                    else:
                        self.value(item_kind)
                return ArrayInfo(item_kind, count)
            return [self.value(item_kind) for _ in range(count)]
        raise ModelError(f"{self.path}: unknown GGUF value type {kind}: the header is damaged")


@dataclass(frozen=True)
class ArrayInfo:
    """A long array (e.g. the vocabulary) seen but not kept."""

    item_type: int
    count: int

    def __len__(self) -> int:
        return self.count


def read_header(path: Path) -> GGUFHeader:
    """The header of a GGUF file; ModelError naming the file and the reason when it is not one."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            return _parse(_Reader(handle, path), size)
    except OSError as exc:
        raise ModelError(f"{path}: cannot read the file ({exc.strerror or exc})") from None


def _parse(reader: _Reader, size: int) -> GGUFHeader:
    path = reader.path
    magic = reader.handle.read(4)
    if magic != MAGIC:
        raise ModelError(f"{path}: not a GGUF model file (corrupt or incomplete download?)")
    version = reader.scalar("<I")
    if version not in (2, 3):
        raise ModelError(f"{path}: GGUF version {version} is not supported (2 and 3 are)")
    tensor_count = reader.scalar("<Q")
    kv_count = reader.scalar("<Q")
    if tensor_count > MAX_TENSORS or kv_count > MAX_KV:
        raise ModelError(
            f"{path}: the GGUF header claims {tensor_count} tensors and {kv_count} keys: damaged"
        )
    metadata: dict[str, Any] = {}
    for _ in range(kv_count):
        key = reader.string()
        metadata[key] = reader.value(reader.scalar("<I"))
    tensors = []
    for _ in range(tensor_count):
        name = reader.string()
        dims = reader.scalar("<I")
        if dims > 8:
            raise ModelError(f"{path}: tensor {name!r} has {dims} dimensions: the header is damaged")
        shape = tuple(reader.scalar("<Q") for _ in range(dims))
        tensors.append(Tensor(name, shape, reader.scalar("<I"), reader.scalar("<Q")))
    alignment = int(metadata.get("general.alignment", 32)) or 32
    position = reader.handle.tell()
    data_offset = position + (-position % alignment)
    return GGUFHeader(path, version, metadata, tensors, data_offset, size)
