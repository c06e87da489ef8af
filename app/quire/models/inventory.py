"""The models this user has: every GGUF in the models folders, where each came from, its SHA-256
(hashed once, then remembered by size and mtime), and its last check. Kept in <data dir>/models/index.json."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from quire.config import DEFAULT_MODEL_FILE, DEFAULT_MODEL_SHA256, Settings
from quire.errors import ModelError

log = logging.getLogger(__name__)

_lock = threading.Lock()


@dataclass(frozen=True)
class InstalledModel:
    name: str
    path: Path
    size: int
    quantisation: str
    repo: str | None  # where it was downloaded from, if Quire downloaded it
    sha256: str | None  # known without hashing now (downloaded, shipped or hashed before)
    checked: bool | None  # the last check passed / failed / never checked
    check_problem: str | None
    default: bool
    removable: bool  # in Quire's own download folder

    def to_json(self) -> dict[str, Any]:
        return {**self.__dict__, "path": str(self.path)}


def index_path(settings: Settings) -> Path:
    return settings.home / "models" / "index.json"


def _read(settings: Settings) -> dict[str, Any]:
    path = index_path(settings)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("%s: unreadable model index (%s); starting a new one", path, exc)
        return {}


def _write(settings: Settings, data: dict[str, Any]) -> None:
    path = index_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    tmp.replace(path)


def _update(settings: Settings, key: str, **fields: Any) -> None:
    with _lock:
        data = _read(settings)
        data.setdefault("files", {}).setdefault(key, {}).update(fields)
        _write(settings, data)


def _key(path: Path) -> str:
    return str(path.resolve())


def record_download(settings: Settings, result: Any) -> None:
    stat = result.path.stat()
    _update(settings, _key(result.path), repo=result.repo, file=result.file, revision=result.revision,
            commit=result.commit, sha256=result.sha256, size=stat.st_size, mtime_ns=stat.st_mtime_ns,
            downloaded=time.time())  # fmt: skip


def record_check(settings: Settings, path: Path, ok: bool, problem: str | None) -> None:
    try:
        _update(settings, _key(path), checked=ok, check_problem=problem, checked_at=time.time())
    except OSError as exc:
        log.warning("check result not kept: %s", exc)


def _known_sha(entry: dict[str, Any], path: Path) -> str | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    if (
        entry.get("sha256")
        and entry.get("size") == stat.st_size
        and entry.get("mtime_ns") == stat.st_mtime_ns
    ):
        return str(entry["sha256"])
    return None


def model_sha256(settings: Settings, path: Path) -> str:
    """The file's SHA-256, hashed once per version of the file (size and mtime) and remembered."""
    entry = _read(settings).get("files", {}).get(_key(path), {})
    known = _known_sha(entry, path)
    if known:
        return known
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(8 << 20):
            digest.update(block)
    stat = path.stat()
    value = digest.hexdigest()
    with contextlib.suppress(OSError):  # a read-only data dir: hashed again next time
        _update(settings, _key(path), sha256=value, size=stat.st_size, mtime_ns=stat.st_mtime_ns)
    return value


def installed_models(settings: Settings) -> list[InstalledModel]:
    from quire.models.download import downloads_dir
    from quire.providers.local import find_models

    files = _read(settings).get("files", {})
    wanted = Path(settings.get("providers.local.model") or DEFAULT_MODEL_FILE).name
    own = downloads_dir(settings).resolve()
    out = []
    for model in find_models(settings):
        entry = files.get(_key(model.path), {})
        sha = _known_sha(entry, model.path)
        if sha is None and model.name == DEFAULT_MODEL_FILE and model.size == 98362432:
            sha = DEFAULT_MODEL_SHA256  # pinned: `quire doctor` checks the shipped file against it
        out.append(
            InstalledModel(
                name=model.name,
                path=model.path,
                size=model.size,
                quantisation=model.quantisation,
                repo=entry.get("repo"),
                sha256=sha,
                checked=entry.get("checked"),
                check_problem=entry.get("check_problem"),
                default=model.name == wanted,
                removable=model.path.resolve().parent == own,
            )
        )
    return out


def remove_model(settings: Settings, name: str) -> Path:
    """Delete a downloaded model (never the shipped one or a file in another folder)."""
    for model in installed_models(settings):
        if name in (model.name, model.path.stem):
            if not model.removable:
                raise ModelError(
                    f"{model.path}: not in Quire's download folder ({settings.home / 'models'}); "
                    "delete it yourself if you mean to"
                )
            model.path.unlink()
            with _lock:
                data = _read(settings)
                data.get("files", {}).pop(_key(model.path), None)
                _write(settings, data)
            if model.default:
                settings.values.pop("providers.local.model", None)
                settings.save()
            return model.path
    raise ModelError(f"no model named {name!r} (see `quire models list`)")
