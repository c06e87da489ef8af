"""The catalog of recommended chat models: a versioned list in the repo, refreshable from a URL the
user sets, with what each entry needs (disk, memory at the configured context) and a fit badge and
a speed estimate for this machine."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from quire.config import Settings
from quire.errors import ModelError

log = logging.getLogger(__name__)

FITS, TIGHT, TOO_BIG = "fits this machine", "tight", "too big"
# Beyond weights and KV cache llama.cpp needs compute buffers and the logits; a share of the weights
# plus a fixed floor is what llama.cpp's own load logs show for these models at n_ubatch 512.
OVERHEAD_SHARE = 0.06
OVERHEAD_FLOOR = 150 * 2**20
COMFORT = 0.8  # more than this share of free memory leaves the rest of the machine too little


@dataclass(frozen=True)
class KvShape:
    """What one token costs in the KV cache: attention layers × KV heads × head size (K and V, f16)."""

    layers: int
    heads: int
    head_dim: int

    def bytes_per_token(self) -> int:
        return 2 * self.layers * self.heads * self.head_dim * 2


@dataclass(frozen=True)
class CatalogEntry:
    id: str
    name: str
    family: str
    params: str
    repo: str
    file: str
    revision: str
    quant: str
    size_bytes: int
    licence: str
    context: int
    arch: str
    kv: KvShape
    active_fraction: float = 1.0  # mixture of experts: the share of weights read per token
    shipped: bool = False
    sha256: str | None = None
    notes: str = ""

    @classmethod
    def from_dict(cls, data: Any) -> CatalogEntry:
        if not isinstance(data, dict):
            raise ModelError(f"a catalog entry is {type(data).__name__}, not an object")
        try:
            kv = KvShape(**data["kv"])
            fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__ and k != "kv"}
            entry = cls(kv=kv, **fields)
        except (KeyError, TypeError) as exc:
            raise ModelError(f"catalog entry {data.get('id', '?')!r} is incomplete ({exc})") from None
        if not entry.file.endswith(".gguf") or "/" not in entry.repo:
            raise ModelError(f"catalog entry {entry.id!r}: wants an owner/repo and a .gguf file")
        return entry

    def memory_needed(self, context: int) -> int:
        """Bytes of RAM (or VRAM) at this context: weights, KV cache, compute buffers."""
        context = min(context, self.context)
        return memory_estimate(self.size_bytes, self.kv.bytes_per_token() * context)


def memory_estimate(weights: int, kv_cache: int) -> int:
    return int(weights + kv_cache + max(OVERHEAD_FLOOR, weights * OVERHEAD_SHARE))


@dataclass(frozen=True)
class Catalog:
    version: int
    updated: str
    entries: list[CatalogEntry]
    source: str  # "bundled" or the path of a refreshed copy
    note: str = ""

    def find(self, key: str) -> CatalogEntry | None:
        for entry in self.entries:
            if key in (entry.id, entry.file, f"{entry.repo}/{entry.file}"):
                return entry
        return None


@dataclass(frozen=True)
class Machine:
    """What this machine has free for a model, and how fast the shipped model ran on it."""

    ram_free: int
    gpu_free: int | None = None  # None: no GPU offload in this build, or none found
    reference_tok_s: float | None = None  # decode speed of the shipped model here
    reference_size: int | None = None
    reference_source: str = ""  # "quire bench" or "recent answers"


@dataclass(frozen=True)
class Assessment:
    entry: CatalogEntry
    memory_needed: int
    badge: str
    speed_tok_s: float | None
    why: str
    installed: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def parse_catalog(text: str, source: str) -> Catalog:
    try:
        data = json.loads(text)
        if not isinstance(data, dict) or not isinstance(data.get("models"), list):
            raise ValueError("no list of models")
        entries = [CatalogEntry.from_dict(item) for item in data["models"]]
        return Catalog(
            int(data["version"]), str(data.get("updated", "")), entries, source, data.get("note", "")
        )
    except (ValueError, KeyError, TypeError, ModelError) as exc:
        raise ModelError(f"{source}: not a model catalog ({exc})") from None


def bundled_catalog() -> Catalog:
    text = resources.files("quire.models").joinpath("catalog.json").read_text(encoding="utf-8")
    return parse_catalog(text, "bundled")


def refreshed_path(settings: Settings) -> Path:
    return settings.home / "models" / "catalog.json"


def load_catalog(settings: Settings) -> Catalog:
    """The newer of the bundled list and the last one refreshed from models.catalog_url."""
    catalog = bundled_catalog()
    path = refreshed_path(settings)
    if path.is_file():
        try:
            refreshed = parse_catalog(path.read_text(encoding="utf-8"), str(path))
        except (ModelError, OSError) as exc:
            log.warning("ignoring the refreshed catalog: %s", exc)
        else:
            if refreshed.version >= catalog.version:
                return refreshed
    return catalog


def refresh_catalog(settings: Settings, url: str | None = None) -> Catalog:
    """Fetch the list from the URL the user set (a network call only they start) and keep it."""
    url = url or settings.get("models.catalog_url")
    if not url:
        raise ModelError(
            "no catalog URL is set (quire config set models.catalog_url URL); the bundled list is used"
        )
    import httpx

    try:
        response = httpx.get(url, timeout=15, follow_redirects=True)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise ModelError(f"{url}: cannot fetch the catalog ({exc})") from None
    catalog = parse_catalog(response.text, url)
    path = refreshed_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(response.text, encoding="utf-8")
    tmp.replace(path)
    return Catalog(catalog.version, catalog.updated, catalog.entries, str(path), catalog.note)


def assess(entry: CatalogEntry, machine: Machine, context: int, installed: Path | None = None) -> Assessment:
    """The badge: fits (needs at most 80% of free RAM, or of free GPU memory), tight (fits in what
    is free, with little left), too big (more than is free: it would swap)."""
    needed = entry.memory_needed(context)
    pools = [("RAM", machine.ram_free)] + ([("GPU memory", machine.gpu_free)] if machine.gpu_free else [])
    best_name, best = max(pools, key=lambda p: p[1])
    if any(needed <= COMFORT * free for _, free in pools):
        badge = FITS
    elif needed <= best:
        badge = TIGHT
    else:
        badge = TOO_BIG
    why = f"needs ~{gib(needed)} at {min(context, entry.context)} tokens; {gib(best)} {best_name} free"
    return Assessment(entry, needed, badge, speed_estimate(entry, machine), why, installed)


def speed_estimate(entry: CatalogEntry, machine: Machine) -> float | None:
    """Decode tokens/s, scaled from the shipped model's measured speed by the bytes read per token
    (decoding is bound by memory bandwidth, so speed falls as the weights read per token grow)."""
    if not machine.reference_tok_s or not machine.reference_size:
        return None
    read = entry.size_bytes * entry.active_fraction
    rate = machine.reference_tok_s * machine.reference_size / max(read, 1)
    return float(f"{rate:.2g}") if rate < 10 else round(rate, 1)  # two figures: it is an estimate


def gib(count: float | None) -> str:
    if count is None:
        return "–"
    if count >= 2**30:
        return f"{count / 2**30:.1f} GB"
    return f"{count / 2**20:.0f} MB"
