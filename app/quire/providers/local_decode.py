"""The local model's decode loop at llama.cpp's own speed: its sampler chain and llama_decode,
called straight through llama-cpp-python's low-level API.

Per token this does what llama.cpp's own examples do (sample in C, decode one token, turn it into
bytes) and nothing else: no Python sampling, no logits copied out, no per-token generator layers.
The prompt goes through `Llama.eval` after the longest prefix already in the KV cache is kept, and
the tokens written are recorded where llama-cpp-python keeps them (`input_ids`, `n_tokens`), so a
follow-up on the same sources reuses the cache just as `Llama.generate` would."""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from typing import Any

from quire.providers.base import SamplingOptions


class SamplerChain:
    """A llama.cpp sampler chain built from SamplingOptions; free it with close()."""

    def __init__(self, llm: Any, options: SamplingOptions) -> None:
        import llama_cpp

        self._lib = llama_cpp
        params = llama_cpp.llama_sampler_chain_default_params()
        params.no_perf = True
        self.chain = llama_cpp.llama_sampler_chain_init(params)
        vocab = llm._model.vocab
        n_ctx = llm.n_ctx()

        def whole(last_n: int) -> int:  # -1 = the whole context (the samplers read -1 as "off")
            return n_ctx if last_n < 0 else last_n

        add = self._add
        if options.repeat_penalty != 1.0 or options.frequency_penalty or options.presence_penalty:
            add(
                llama_cpp.llama_sampler_init_penalties(
                    llama_cpp.llama_vocab_n_tokens(vocab),
                    whole(options.penalty_last_n),
                    options.repeat_penalty,
                    options.frequency_penalty,
                    options.presence_penalty,
                )
            )
        if options.dry_multiplier > 0:
            breakers = [b.encode("utf-8") for b in options.dry_sequence_breakers]
            array = (ctypes.c_char_p * max(1, len(breakers)))(*breakers)
            add(
                llama_cpp.llama_sampler_init_dry(
                    vocab,
                    options.dry_multiplier,
                    options.dry_base,
                    options.dry_allowed_length,
                    whole(options.dry_penalty_last_n),
                    array,
                    len(breakers),
                )
            )
        temperature = options.temperature
        if temperature <= 0:
            add(llama_cpp.llama_sampler_init_greedy())
        else:
            if options.top_k > 0:
                add(llama_cpp.llama_sampler_init_top_k(options.top_k))
            if options.top_p < 1.0:
                add(llama_cpp.llama_sampler_init_top_p(options.top_p, 1))
            if options.min_p > 0:
                add(llama_cpp.llama_sampler_init_min_p(options.min_p, 1))
            add(llama_cpp.llama_sampler_init_temp(temperature))
            seed = llama_cpp.LLAMA_DEFAULT_SEED if options.seed is None else options.seed
            add(llama_cpp.llama_sampler_init_dist(seed))

    def _add(self, sampler: Any) -> None:
        if not sampler:
            raise ValueError("llama.cpp refused a sampler option")
        self._lib.llama_sampler_chain_add(self.chain, sampler)

    def close(self) -> None:
        if self.chain is not None:
            self._lib.llama_sampler_free(self.chain)  # frees the samplers it holds too
            self.chain = None


def load_prompt(llm: Any, tokens: list[int]) -> int:
    """Put the prompt in the context, keeping the longest prefix already there (at least the last
    token is evaluated again: its logits start the answer). Returns how many tokens were reused."""
    reuse = 0
    if llm.n_tokens > 0:
        cached = llm.input_ids[: llm.n_tokens]
        limit = min(len(cached), len(tokens) - 1)
        while reuse < limit and cached[reuse] == tokens[reuse]:
            reuse += 1
        if reuse > 0 and llm._ctx.kv_cache_seq_rm(-1, reuse, -1):
            llm.n_tokens = reuse
        else:
            reuse = 0
            llm.reset()
    llm.eval(tokens[reuse:])
    return reuse


def decode(llm: Any, prompt: list[int], options: SamplingOptions, max_tokens: int) -> Iterator[bytes]:
    """Yield each written token's bytes (a character may span tokens: decode them incrementally),
    stopping at an end-of-generation token, at max_tokens or when the context is full."""
    import llama_cpp

    load_prompt(llm, prompt)
    chain = SamplerChain(llm, options)
    ctx, vocab = llm._ctx.ctx, llm._model.vocab
    sample, decode_one = llama_cpp.llama_sampler_sample, llama_cpp.llama_decode
    is_end, to_piece = llama_cpp.llama_vocab_is_eog, llama_cpp.llama_token_to_piece
    token_buf = (llama_cpp.llama_token * 1)()
    batch = llama_cpp.llama_batch_get_one(token_buf, 1)  # positions follow the cache's own
    size = 64
    piece = ctypes.create_string_buffer(size)
    room = llm.n_ctx()
    input_ids = llm.input_ids
    try:
        for written in range(1, max_tokens + 1):
            token = sample(chain.chain, ctx, -1)  # (it also records the token for the penalties)
            if is_end(vocab, token):
                return
            length = to_piece(vocab, token, piece, size, 0, False)
            if length < 0:  # a piece longer than the buffer: grow it once for this token
                size = -length
                piece = ctypes.create_string_buffer(size)
                length = to_piece(vocab, token, piece, size, 0, False)
            yield piece.raw[:length]
            if written == max_tokens or llm.n_tokens >= room:
                return  # the last token need not be decoded: nothing reads its logits
            token_buf[0] = token
            if decode_one(ctx, batch) != 0:
                raise RuntimeError("llama_decode failed (the context is full?)")
            input_ids[llm.n_tokens] = token
            llm.n_tokens += 1
    finally:
        chain.close()


def completion_kwargs(options: SamplingOptions) -> dict[str, Any]:
    """The same options as llama-cpp-python's create_chat_completion takes them (it has no DRY)."""
    kwargs: dict[str, Any] = {
        "temperature": options.temperature,
        "top_k": options.top_k,
        "top_p": options.top_p,
        "min_p": options.min_p,
        "repeat_penalty": options.repeat_penalty,
        "frequency_penalty": options.frequency_penalty,
        "presence_penalty": options.presence_penalty,
    }
    if options.seed is not None:
        kwargs["seed"] = options.seed
    return kwargs
