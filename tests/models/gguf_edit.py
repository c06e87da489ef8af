"""Make broken or altered GGUF files from a real one: metadata keys changed or dropped (the tensor
table and the weights copied byte for byte, re-aligned), or the file cut short."""

from __future__ import annotations

import struct
from pathlib import Path

from quire.models.gguf import _Reader


def _string(text: str) -> bytes:
    data = text.encode("utf-8")
    return struct.pack("<Q", len(data)) + data


def rewrite(
    source: Path, target: Path, set_strings: dict[str, str] | None = None, drop: tuple[str, ...] = ()
) -> Path:
    """A copy of `source` with string keys set (added or replaced) and keys dropped."""
    set_strings = dict(set_strings or {})
    with source.open("rb") as handle:
        reader = _Reader(handle, source)
        assert handle.read(4) == b"GGUF"
        version = reader.scalar("<I")
        tensor_count = reader.scalar("<Q")
        kv_count = reader.scalar("<Q")
        kept: list[bytes] = []
        alignment = 32
        for _ in range(kv_count):
            start = handle.tell()
            key = reader.string()
            value = reader.value(reader.scalar("<I"))
            end = handle.tell()
            if key == "general.alignment":
                alignment = int(value)
            if key in drop or key in set_strings:
                continue
            handle.seek(start)
            kept.append(handle.read(end - start))
        for key, text in set_strings.items():
            kept.append(_string(key) + struct.pack("<I", 8) + _string(text))
        table_start = handle.tell()
        for _ in range(tensor_count):
            reader.string()
            dims = reader.scalar("<I")
            handle.seek(8 * dims + 4 + 8, 1)
        table_end = handle.tell()
        handle.seek(table_start)
        table = handle.read(table_end - table_start)
        data_start = table_end + (-table_end % alignment)
        handle.seek(data_start)
        with target.open("wb") as out:
            out.write(b"GGUF" + struct.pack("<IQQ", version, tensor_count, len(kept)))
            for item in kept:
                out.write(item)
            out.write(table)
            out.write(b"\0" * (-out.tell() % alignment))
            while block := handle.read(1 << 22):
                out.write(block)
    return target


def truncate(source: Path, target: Path, size: int) -> Path:
    with source.open("rb") as handle:
        target.write_bytes(handle.read(size))
    return target
