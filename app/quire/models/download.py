"""Downloading a GGUF from the Hugging Face Hub, only when the user asks, through huggingface_hub.

The Hub's protocol, spoken by the client library: HEAD /{repo}/resolve/{revision}/{file} gives the
commit (X-Repo-Commit), the LFS SHA-256 (X-Linked-Etag) and size (X-Linked-Size) and a Location;
the bytes come from a GET there, resumed with a Range header. hf_hub_download itself no longer
resumes (since huggingface_hub 1.18 each attempt writes a fresh, process-unique temporary file and
deletes it on failure), so Quire keeps its own partial file and hands its length to the client's
http_get as resume_size: a pause, a quit or a killed process loses nothing, and http_get retries a
dropped connection from where it broke. The finished file's SHA-256 must equal the Hub's LFS hash."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from quire import __version__
from quire.config import Settings, hub_endpoint
from quire.errors import ModelError, QuireError

log = logging.getLogger(__name__)

PARTIAL_DIR = ".partial"
CHUNK = 1 << 20  # the client reads 10 MB at a time by default: 1 MB keeps pause and progress prompt
DISK_MARGIN = 64 * 2**20
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_SHA1 = re.compile(r"^[0-9a-f]{40}$")
_REPO = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


class DownloadStopped(QuireError):
    """The user paused (the partial file is kept for resuming) or cancelled (nothing is kept)."""

    def __init__(self, file: str, paused: bool) -> None:
        self.paused = paused
        super().__init__(f"{file}: download {'paused' if paused else 'cancelled'}")


@dataclass(frozen=True)
class DownloadProgress:
    file: str
    stage: str  # "downloading" | "verifying"
    done: int
    total: int | None
    speed_bps: float | None
    eta_s: float | None
    resumed_from: int = 0


@dataclass(frozen=True)
class DownloadResult:
    path: Path
    repo: str
    file: str
    revision: str
    commit: str
    sha256: str
    size: int
    resumed_from: int  # bytes already on disk when this run started
    fetched: int  # bytes this run received
    seconds: float

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "path": str(self.path)}


def downloads_dir(settings: Settings) -> Path:
    """Downloaded models go into the data dir's models folder (a models folder Quire searches)."""
    return settings.home / "models"


def hub_token() -> str | None:
    from quire.secrets import get_secret

    return get_secret("hub.token")


@contextlib.contextmanager
def _online() -> Iterator[None]:
    """Quire keeps huggingface_hub offline (HF_HUB_OFFLINE) so nothing reaches the network by
    itself; a download the user started lifts that for its own calls, then puts it back."""
    from huggingface_hub import constants

    offline, chunk = constants.HF_HUB_OFFLINE, constants.DOWNLOAD_CHUNK_SIZE
    constants.HF_HUB_OFFLINE = False
    constants.DOWNLOAD_CHUNK_SIZE = CHUNK
    try:
        yield
    finally:
        constants.HF_HUB_OFFLINE, constants.DOWNLOAD_CHUNK_SIZE = offline, chunk


def _note(part: Path) -> Path:
    """What a partial file is (repo, file, revision, hash), so a later run or the GUI can resume it."""
    return part.with_name(part.name + ".json")


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc.lower()


class _Meter:
    """The progress object huggingface_hub's http_get updates per chunk; pause and cancel land here."""

    def __init__(self, download: Download, initial: int = 0, total: int | None = None, **_: Any) -> None:
        self.download = download
        self.n = initial
        self.total = total
        self.started = time.monotonic()
        self.initial = initial
        self.samples: list[tuple[float, int]] = [(self.started, initial)]
        self.download._report("downloading", self.n, total)

    def __enter__(self) -> _Meter:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, count: int | float | None = 1) -> None:
        # called just before each chunk is written: stopping here keeps exactly the bytes reported so far
        self.download._raise_if_stopped()
        self.n += int(count or 0)
        self.download._report("downloading", self.n, self.total)

    def close(self) -> None:
        return None


class Download:
    """One file from one repo; run() blocks (call it from a worker), pause()/cancel() from anywhere."""

    def __init__(
        self,
        settings: Settings,
        repo: str,
        file: str,
        revision: str = "main",
        *,
        progress: Callable[[DownloadProgress], None] | None = None,
        token: str | None = None,
        dest_dir: Path | None = None,
    ) -> None:
        if not _REPO.match(repo):
            raise ModelError(f"{repo!r}: not a Hub repository (owner/name)")
        if not file.endswith(".gguf") or file.startswith("/") or ".." in Path(file).parts:
            raise ModelError(f"{file!r}: Quire downloads .gguf files only (a file name in the repository)")
        self.settings = settings
        self.repo = repo
        self.file = file
        self.revision = revision or "main"
        self.progress = progress
        self.token = token
        self.dest_dir = dest_dir or downloads_dir(settings)
        self._stop = threading.Event()
        self._paused = False
        self._resumed_from = 0
        self._speed: list[tuple[float, int]] = []

    @property
    def target(self) -> Path:
        return self.dest_dir / Path(self.file).name

    def pause(self) -> None:
        self._paused = True
        self._stop.set()

    def cancel(self) -> None:
        self._paused = False
        self._stop.set()

    def _raise_if_stopped(self) -> None:
        if self._stop.is_set():
            raise DownloadStopped(self.file, self._paused)

    def _report(self, stage: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        self._speed = [(t, n) for t, n in self._speed if now - t <= 5.0] + [(now, done)]
        first_t, first_n = self._speed[0]
        speed = (done - first_n) / (now - first_t) if now - first_t > 0.2 else None
        eta = (total - done) / speed if speed and total and done < total else None
        if self.progress is not None:
            self.progress(DownloadProgress(self.file, stage, done, total, speed, eta, self._resumed_from))

    def run(self) -> DownloadResult:
        from huggingface_hub import get_hf_file_metadata, hf_hub_url
        from huggingface_hub.errors import (
            GatedRepoError,
            HfHubHTTPError,
            OfflineModeIsEnabled,
            RemoteEntryNotFoundError,
            RepositoryNotFoundError,
            RevisionNotFoundError,
        )
        from huggingface_hub.file_download import http_get
        from huggingface_hub.utils import build_hf_headers

        started = time.monotonic()
        endpoint = hub_endpoint(self.settings)
        url = hf_hub_url(self.repo, self.file, revision=self.revision, endpoint=endpoint)
        token = self.token if self.token is not None else hub_token()
        auth: str | bool = token or False  # never a token from other tools' files: the keyring's only
        where = f"{self.repo}/{self.file}"
        try:
            with _online():
                meta = get_hf_file_metadata(url, token=auth, endpoint=endpoint, retry_on_errors=True,
                                            library_name="quire", library_version=__version__)  # fmt: skip
                etag, size, commit = (meta.etag or "").lower(), meta.size, meta.commit_hash or ""
                if not etag:
                    raise ModelError(f"{where}: the Hub sent no hash for this file, so it cannot be checked")
                part = self._partial(etag)
                self._resumed_from = part.stat().st_size if part.exists() else 0
                if size is not None and self._resumed_from > size:
                    part.unlink()
                    self._resumed_from = 0
                self._check_disk(size)
                headers = build_hf_headers(token=auth, library_name="quire", library_version=__version__)
                if _origin(meta.location) != _origin(url):
                    headers.pop("authorization", None)  # a signed CDN address: the token stays with the Hub
                self._write_sidecar(part, etag, size, commit)
                with part.open("ab") as handle:
                    http_get(
                        meta.location,
                        handle,
                        resume_size=self._resumed_from,
                        headers=headers,
                        expected_size=size,
                        displayed_filename=self.file,
                        tqdm_class=lambda **kw: _Meter(self, **kw),  # type: ignore[arg-type,return-value]
                    )
        except DownloadStopped as stopped:
            if not stopped.paused:
                self.discard()
            raise
        except (GatedRepoError, RepositoryNotFoundError) as exc:
            status = getattr(getattr(exc, "response", None), "status_code", "?")
            hint = (
                "add a Hub token with `quire secret set hub.token`"
                if not token
                else "check the token's access"
            )
            raise ModelError(
                f"{where}: the Hub refused access (HTTP {status}): private, gated or missing; {hint}"
            ) from None
        except (RevisionNotFoundError, RemoteEntryNotFoundError):
            raise ModelError(f"{where}@{self.revision}: no such file on the Hub") from None
        except OfflineModeIsEnabled as exc:
            raise ModelError(f"{where}: {exc}") from None
        except HfHubHTTPError as exc:
            raise ModelError(f"{where}: the Hub answered {exc}".split("\n")[0]) from None
        except OSError as exc:
            if exc.errno == 28:
                raise ModelError(f"{self.dest_dir}: the disk is full; the partial download is kept") from None
            raise ModelError(f"{where}: download failed ({exc}); run it again to resume") from None
        except Exception as exc:  # httpx2's connect, timeout and protocol errors, after its retries
            if isinstance(exc, QuireError):
                raise
            raise ModelError(
                f"{where}: download failed ({type(exc).__name__}: {exc}); run it again to resume"
            ) from None
        digest = self._verify(part, etag, size)
        self.dest_dir.mkdir(parents=True, exist_ok=True)
        os.replace(part, self.target)
        _note(part).unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            part.parent.rmdir()  # only when no other download is paused there
        fetched = (size or self.target.stat().st_size) - self._resumed_from
        return DownloadResult(self.target, self.repo, self.file, self.revision, commit, digest,
                              self.target.stat().st_size, self._resumed_from, fetched,
                              round(time.monotonic() - started, 3))  # fmt: skip

    # Pieces ---------------------------------------------------------------------------------------

    def _partial(self, etag: str) -> Path:
        folder = self.dest_dir / PARTIAL_DIR
        folder.mkdir(parents=True, exist_ok=True)
        name = Path(self.file).name
        for old in folder.glob(f"{name}.*.part"):  # a partial of another version of the file
            if not old.name.endswith(f".{etag[:16]}.part"):
                old.unlink(missing_ok=True)
                _note(old).unlink(missing_ok=True)
        return folder / f"{name}.{etag[:16]}.part"

    def _write_sidecar(self, part: Path, etag: str, size: int | None, commit: str) -> None:
        info = {"repo": self.repo, "file": self.file, "revision": self.revision, "etag": etag, "size": size,
                "commit": commit, "started": time.time()}  # fmt: skip
        _note(part).write_text(json.dumps(info), encoding="utf-8")

    def _check_disk(self, size: int | None) -> None:
        if size is None:
            return
        self.dest_dir.mkdir(parents=True, exist_ok=True)
        free = shutil.disk_usage(self.dest_dir).free
        needed = size - self._resumed_from + DISK_MARGIN
        if free < needed:
            raise ModelError(
                f"{self.dest_dir}: {self.file} needs {needed / 2**20:,.0f} MB more but only "
                f"{free / 2**20:,.0f} MB is free; nothing was downloaded"
            )

    def _verify(self, part: Path, etag: str, size: int | None) -> str:
        """The SHA-256 of the bytes (the Hub's LFS hash is the file's SHA-256); a mismatch keeps nothing."""
        total = part.stat().st_size
        git = _SHA1.match(etag) is not None  # a small file kept in git, not LFS: its blob hash
        digest = hashlib.sha1(f"blob {total}\0".encode()) if git else hashlib.sha256()
        sha = hashlib.sha256()
        done = 0
        with part.open("rb") as handle:
            while block := handle.read(8 * CHUNK):
                digest.update(block)
                if git:
                    sha.update(block)
                done += len(block)
                self._report("verifying", done, total)
                self._raise_if_stopped()
        got = digest.hexdigest()
        if not (_SHA256.match(etag) or git):
            raise ModelError(
                f"{self.repo}/{self.file}: the Hub's hash {etag!r} is not a SHA-256; file not kept"
            )
        if got != etag:
            self.discard()
            raise ModelError(
                f"{self.repo}/{self.file}: SHA-256 mismatch (the Hub says {etag}, the bytes are {got}): "
                "the download was corrupted and is not kept"
            )
        return sha.hexdigest() if git else got

    def discard(self) -> None:
        """Remove what this download left (its partial file and note)."""
        folder = self.dest_dir / PARTIAL_DIR
        for part in folder.glob(f"{Path(self.file).name}.*.part"):
            part.unlink(missing_ok=True)
            _note(part).unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            folder.rmdir()  # only when empty


@dataclass(frozen=True)
class PendingDownload:
    """A download paused (or interrupted) earlier: resuming it continues from `done` bytes."""

    repo: str
    file: str
    revision: str
    done: int
    size: int | None
    part: Path


def pending_downloads(settings: Settings) -> list[PendingDownload]:
    folder = downloads_dir(settings) / PARTIAL_DIR
    found = []
    for note in sorted(folder.glob("*.part.json")) if folder.is_dir() else []:
        try:
            info = json.loads(note.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        part = note.with_suffix("")
        done = part.stat().st_size if part.exists() else 0
        found.append(PendingDownload(info["repo"], info["file"], info.get("revision", "main"), done,
                                     info.get("size"), part))  # fmt: skip
    return found
