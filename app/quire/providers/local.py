"""The in-process llama.cpp model (llama-cpp-python): CPU anywhere, Metal or CUDA when built so."""

from __future__ import annotations

import codecs
import logging
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quire.config import DEFAULT_MODEL_FILE, Settings
from quire.errors import ModelError, ProviderUnavailable
from quire.providers.base import Message, ProviderHealth, SamplingOptions, TokenEvent

if TYPE_CHECKING:
    from quire.models.adapters import AdapterChoice

log = logging.getLogger(__name__)

_QUANT = re.compile(r"(?i)\b(I?Q\d_[A-Z0-9_]+|Q\d_\d|Q\d|F16|F32|BF16)\b")


@dataclass(frozen=True)
class ModelFile:
    path: Path
    size: int

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def quantisation(self) -> str:
        match = _QUANT.search(self.path.stem.replace("-", " ").replace(".", " "))
        return match.group(1).upper() if match else "?"


def find_models(settings: Settings) -> list[ModelFile]:
    """Every GGUF in the models folders, first folder winning when names repeat."""
    seen: dict[str, ModelFile] = {}
    for folder in settings.models_dirs:
        if folder.is_dir():
            for path in sorted(folder.glob("*.gguf")):
                if path.name not in seen and path.is_file():
                    seen[path.name] = ModelFile(path, path.stat().st_size)
    return list(seen.values())


def resolve_model(settings: Settings, name: str | None = None) -> Path:
    wanted = name or settings.get("providers.local.model") or DEFAULT_MODEL_FILE
    candidate = Path(wanted).expanduser()
    if candidate.is_file():
        return candidate.resolve()
    for model in find_models(settings):
        if model.name == wanted or model.path.stem == wanted:
            return model.path
    found = ", ".join(m.name for m in find_models(settings)) or "none"
    folders = ", ".join(str(d) for d in settings.models_dirs)
    raise ModelError(f"chat model {wanted!r} not found in {folders} (found: {found})")


def check_gguf(path: Path) -> None:
    """Refuse a file that is not a GGUF before llama.cpp gets to crash on it."""
    try:
        with path.open("rb") as handle:
            magic = handle.read(4)
    except OSError as exc:
        raise ModelError(f"{path}: cannot read model file ({exc.strerror})") from None
    if magic != b"GGUF":
        raise ModelError(f"{path}: not a GGUF model file (corrupt or incomplete download?)")


def _offloads() -> bool:
    import llama_cpp

    return bool(llama_cpp.llama_supports_gpu_offload())


def physical_cores() -> int:
    import psutil

    return psutil.cpu_count(logical=False) or psutil.cpu_count() or 1


class LocalProvider:
    name = "local"
    _cache: dict[tuple[str, int, int, int], Any] = {}
    _cache_lock = threading.Lock()

    def __init__(self, settings: Settings, model: str | None = None) -> None:
        self._settings = settings
        self._model_name = model
        self._path: Path | None = None
        self._llm: Any = None
        self._generate_lock = threading.Lock()

    @property
    def path(self) -> Path:
        if self._path is None:
            self._path = resolve_model(self._settings, self._model_name)
        return self._path

    @property
    def model(self) -> str:
        try:
            return self.path.name
        except ModelError:
            return self._model_name or self._settings.get("providers.local.model") or DEFAULT_MODEL_FILE

    @property
    def context_tokens(self) -> int:
        return int(self._settings.get("providers.local.context"))

    def _load(self) -> Any:
        if self._llm is not None:
            return self._llm
        path = self.path
        check_gguf(path)
        threads = self._settings.get("providers.local.threads") or physical_cores()
        key = (str(path), self.context_tokens, threads, self._settings.get("providers.local.gpu_layers"))
        with self._cache_lock:
            if key not in self._cache:
                # Heavy import here: llama_cpp loads a large native library.
                import llama_cpp

                layers = key[3] if llama_cpp.llama_supports_gpu_offload() else 0
                try:
                    self._cache[key] = llama_cpp.Llama(
                        model_path=str(path),
                        n_ctx=self.context_tokens,
                        n_threads=threads,
                        n_threads_batch=threads,
                        n_gpu_layers=layers,
                        verbose=False,
                    )
                except Exception as exc:  # llama.cpp says only "failed to load model"
                    raise ModelError(f"{path}: llama.cpp could not load this model ({exc})") from None
                log.info("loaded %s (threads=%d, gpu_layers=%d)", path, threads, layers)
            self._llm = self._cache[key]
        return self._llm

    def _ready(self) -> Any:
        """The loaded model, with this chat's adapter (or none) set; a missing or broken model makes
        the provider unavailable."""
        try:
            llm = self._load()
            from quire.models.adapters import apply_adapter

            apply_adapter(llm, self.adapter)
            return llm
        except ModelError as exc:
            raise ProviderUnavailable(self.name, str(exc)) from None

    @property
    def parameters(self) -> int | None:
        """How many weights the model has (loads it): the answer profile depends on it."""
        try:
            return int(self._ready()._model.n_params())
        except (ProviderUnavailable, AttributeError):
            return None

    # The adapter and the facts an answer's figures record (quire.models) ------------------------

    adapter: AdapterChoice | None = None

    def use_adapter(self, choice: AdapterChoice | None) -> None:
        """Attach a LoRA adapter for this provider's answers; refused when made for another base."""
        if choice is not None:
            from quire.models.adapters import check_adapter

            report = check_adapter(choice.path, self.path)
            if not report.ok:
                raise ModelError(f"{choice.path}: {report.detail}")
        self.adapter = choice

    def facts(self) -> dict[str, Any]:
        """Which model version answered, and how it ran (for honest comparisons in the metrics)."""
        from quire.models.inventory import model_sha256

        path = self.path
        threads = self._settings.get("providers.local.threads") or physical_cores()
        layers = self._settings.get("providers.local.gpu_layers") if _offloads() else 0
        quantisation = ModelFile(path, 0).quantisation
        if quantisation == "?":
            from quire.models.gguf import read_header

            quantisation = read_header(path).quantisation
        return {
            "model_sha256": model_sha256(self._settings, path)[:12],
            "quantisation": quantisation,
            "adapter": self.adapter.label if self.adapter else None,
            "context": self.context_tokens,
            "threads": threads,
            "gpu_layers": layers,
        }

    def count_tokens(self, text: str) -> int:
        return len(self._ready().tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def health(self) -> ProviderHealth:
        try:
            path = self.path
            check_gguf(path)
        except ModelError as exc:
            return ProviderHealth(False, self.model, str(exc))
        return ProviderHealth(True, path.name)

    def stream(
        self, messages: list[Message], *, max_tokens: int, sampling: SamplingOptions | None = None
    ) -> Iterator[TokenEvent]:
        llm = self._ready()
        sampling = sampling or SamplingOptions()
        prompt = _chat_prompt(llm, messages)
        if prompt is None:  # no chat template in the GGUF: llama-cpp-python's own formats know it
            yield from self._stream_chat_completion(llm, messages, max_tokens, sampling)
            return
        from quire.providers.local_decode import decode

        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")  # a character may span tokens
        output = 0
        with self._generate_lock:  # one llama context serves one answer at a time
            # llama.cpp's own sampler chain and decode, called directly (local_decode.py): no Python
            # per token beyond the bytes. The longest prompt prefix already in the KV cache is kept,
            # so a follow-up on the same sources starts at once.
            for piece in decode(llm, prompt, sampling, max_tokens):
                output += 1
                text = decoder.decode(piece)
                if text:
                    yield TokenEvent(text)
            rest = decoder.decode(b"", final=True)
            if rest:
                yield TokenEvent(rest)
        yield TokenEvent(
            prompt_tokens=len(prompt),
            output_tokens=output,
            finish_reason="length" if output >= max_tokens else None,
        )

    def _stream_chat_completion(
        self, llm: Any, messages: list[Message], max_tokens: int, sampling: SamplingOptions
    ) -> Iterator[TokenEvent]:
        from quire.providers.local_decode import completion_kwargs

        with self._generate_lock:
            pieces = llm.create_chat_completion(
                messages=messages, stream=True, max_tokens=max_tokens, **completion_kwargs(sampling)
            )
            output = 0
            for piece in pieces:
                text = piece["choices"][0]["delta"].get("content")
                if text:
                    output += 1
                    yield TokenEvent(text)
            # n_tokens is the context's fill: the prompt plus what was generated
            yield TokenEvent(prompt_tokens=max(0, llm.n_tokens - output), output_tokens=output)


_FORMATTERS: dict[str, Any] = {}  # one compiled chat template per model file
# Chat templates for model families whose GGUFs often come without one (conversions of base
# models): the family's documented turn format, by general.architecture.
_FAMILY_TEMPLATES = {
    "gemma": (
        "{{ bos_token }}{% set ns = namespace(system='') %}{% for m in messages %}"
        "{% if m['role'] == 'system' %}{% set ns.system = m['content'] + '\n\n' %}{% else %}"
        "<start_of_turn>{{ 'model' if m['role'] == 'assistant' else 'user' }}\n"
        "{% if m['role'] == 'user' %}{{ ns.system }}{% set ns.system = '' %}{% endif %}"
        "{{ m['content'] }}<end_of_turn>\n{% endif %}{% endfor %}<start_of_turn>model\n"
    ),
}


def _template(llm: Any) -> str | None:
    template = llm.metadata.get("tokenizer.chat_template")
    if template:
        return str(template)
    architecture = str(llm.metadata.get("general.architecture", ""))
    family = next((f for f in _FAMILY_TEMPLATES if architecture.startswith(f)), None)
    return _FAMILY_TEMPLATES[family] if family else None


def _chat_prompt(llm: Any, messages: list[Message]) -> list[int] | None:
    """The conversation as prompt tokens, through the chat template the GGUF carries; None if none."""
    template = _template(llm)
    if not template:
        return None
    formatter = _FORMATTERS.get(llm.model_path)
    if formatter is None:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        eos, bos = llm.token_eos(), llm.token_bos()
        formatter = _FORMATTERS[llm.model_path] = Jinja2ChatFormatter(
            template=template,
            eos_token=llm._model.token_get_text(eos) if eos != -1 else "",
            bos_token=llm._model.token_get_text(bos) if bos != -1 else "",
        )
    result = formatter(messages=messages)  # type: ignore[arg-type]  # our Message is its dict shape
    return list(llm.tokenize(result.prompt.encode("utf-8"), add_bos=not result.added_special, special=True))
