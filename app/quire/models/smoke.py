"""The check's smoke answer: three questions on a bundled travel policy (the answer-quality work's
fixture), asked the way a user asks — imported and answered through Quire's public API only."""

from __future__ import annotations

import json
import shutil
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

from quire.config import Settings


def smoke_questions() -> list[dict[str, Any]]:
    text = resources.files("quire.models").joinpath("smoke/questions.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def smoke_answers(path: Path, settings: Settings, embedder: Any = None) -> list[Any]:
    """Each question's answer from the model at `path`, and whether it holds the expected facts."""
    from quire.core import Quire
    from quire.models.check import SmokeAnswer

    answers = []
    with tempfile.TemporaryDirectory(prefix="quire-smoke-") as tmp:
        home = Path(tmp)
        policy = home / "travel-policy.md"
        with resources.as_file(resources.files("quire.models").joinpath("smoke/travel-policy.md")) as real:
            shutil.copyfile(real, policy)
        smoke_settings = Settings.load(home / "home")
        for key in ("providers.local.threads", "providers.local.gpu_layers", "providers.local.context"):
            smoke_settings.set(key, settings.get(key))
        smoke_settings.set("providers.local.model", str(path))
        smoke_settings.set("providers.max_tokens", 48)
        smoke_settings.set("providers.temperature", 0.0)
        quire = Quire(smoke_settings)
        if embedder is not None:
            quire.embedder = embedder  # the app's, already loaded
        quire.ingest([policy])
        for item in smoke_questions():
            text = quire.ask(item["q"], provider="local").result().answer
            passed = all(fact.lower() in text.lower() for fact in item["facts"])
            answers.append(SmokeAnswer(item["q"], text, list(item["facts"]), passed))
    return answers
