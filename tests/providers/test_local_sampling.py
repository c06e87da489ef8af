"""The local model's sampler chain runs in llama.cpp: each option in SamplingOptions changes what
is written the way llama.cpp's samplers do, and a seed repeats a sampled answer."""

from __future__ import annotations

from dataclasses import replace

import pytest

from quire.config import Settings
from quire.providers.base import SamplingOptions
from quire.providers.local import LocalProvider

pytestmark = pytest.mark.slow

MESSAGES = [
    {"role": "system", "content": "You are a storyteller."},
    {"role": "user", "content": "Write a long story about a lighthouse keeper and his cat."},
]


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> LocalProvider:
    return LocalProvider(Settings.load(tmp_path_factory.mktemp("home")))


def _text(provider: LocalProvider, messages: list[dict[str, str]], sampling: SamplingOptions) -> str:
    events = provider.stream(messages, max_tokens=40, sampling=replace(sampling, temperature=0.0))
    return "".join(e.text for e in events)


def _tokens(provider: LocalProvider, sampling: SamplingOptions, temperature: float = 0.8) -> list[int]:
    events = provider.stream(MESSAGES, max_tokens=32, sampling=replace(sampling, temperature=temperature))
    text = "".join(e.text for e in events)
    return provider._ready().tokenize(text.encode("utf-8"), add_bos=False, special=False)


def test_a_seed_repeats_a_sampled_answer_and_top_k_one_is_greedy(provider: LocalProvider) -> None:
    seeded = SamplingOptions(seed=1234)
    first = _tokens(provider, seeded)
    assert first and _tokens(provider, seeded) == first
    others = [_tokens(provider, SamplingOptions(seed=s)) for s in (1, 2, 3)]
    assert any(o != first for o in others)  # the draw is random, the seed makes it repeatable
    greedy = _tokens(provider, SamplingOptions(), temperature=0.0)
    assert _tokens(provider, SamplingOptions(top_k=1, seed=99), temperature=1.5) == greedy


def test_penalties_and_dry_act_inside_llama_cpp(provider: LocalProvider) -> None:
    plain = _tokens(provider, SamplingOptions(), temperature=0.0)
    assert len(plain) != len(set(plain))  # a greedy story repeats words ("the", "a", ...)
    # a crushing repeat penalty over the whole answer: no token is written twice
    no_repeats = _tokens(provider, SamplingOptions(repeat_penalty=1000.0, penalty_last_n=-1), temperature=0.0)
    assert no_repeats and len(no_repeats) == len(set(no_repeats))
    presence = _tokens(provider, SamplingOptions(presence_penalty=100.0), temperature=0.0)
    assert presence and len(presence) == len(set(presence))
    # DRY stops verbatim loops: told to repeat a pair forever, greedy decoding does; DRY breaks off
    looping = [
        {
            "role": "user",
            "content": "Repeat after me forever: lamp, keeper, lamp, keeper, lamp, keeper, lamp, keeper,",
        }
    ]
    loop = _text(provider, looping, SamplingOptions()).lower()
    broken = _text(provider, looping, SamplingOptions(dry_multiplier=2.0)).lower()
    assert loop.count("lamp, keeper") >= 6, loop
    assert broken.count("lamp, keeper") < loop.count("lamp, keeper") / 2, broken
