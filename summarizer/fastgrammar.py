"""Faster grammar-constrained greedy sampling for llama-cpp-python (runs only inside the local server).

llama-cpp-python puts the JSON-schema grammar into its sampler chain ahead of the greedy pick, so at every
generated token the grammar is checked against the whole vocabulary (about 152k tokens for Qwen2.5). On 2
cores that costs about a quarter of a token's time. llama.cpp's own sampler does it the other way round,
and so does this one: take the unconstrained best token, ask the grammar about that one token, and only when
the grammar rejects it, filter the whole vocabulary and take the best token that is left.

Greedy decoding makes the two ways give the same token. The best token the grammar accepts is the overall
best whenever the grammar accepts that one, and otherwise it is the best of what the full filter leaves. So
answers are unchanged and only time is saved. Only greedy requests with a grammar and no logits processor
are handled here (temperature 0, which is what summarizer sends); the server's default repeat penalty is
applied first exactly as llama.cpp's penalties sampler does. Every other request keeps llama-cpp-python's
own sampler.
"""

from __future__ import annotations

import collections
import ctypes
import logging
from typing import Any

log = logging.getLogger("summarizer.local")


class GreedyGrammarSampler:
    """Drop-in for llama-cpp-python's LlamaSampler in `Llama.sample`: `sample(ctx, idx)` -> token."""

    def __init__(
        self,
        llama: Any,
        grammar: Any,
        *,
        repeat_penalty: float = 1.0,
        frequency_penalty: float = 0.0,
        presence_penalty: float = 0.0,
    ) -> None:
        import llama_cpp
        import numpy as np

        # The penalties llama-cpp-python's chain applies before the grammar (llama.cpp's formula), over the
        # last `last_n_tokens_size` tokens this sampler has accepted.
        self._repeat = np.float32(repeat_penalty)
        self._frequency = np.float32(frequency_penalty)
        self._presence = np.float32(presence_penalty)
        self._last_n = int(llama.last_n_tokens_size)
        self._history: collections.deque[int] = collections.deque()
        self._counts: dict[int, int] = {}

        self._lib = llama_cpp
        self._np = np
        self._n_vocab = int(llama._n_vocab)
        self._grammar = llama_cpp.llama_sampler_init_grammar(
            llama._model.vocab, grammar._grammar.encode("utf-8"), grammar._root.encode("utf-8")
        )
        self._one = (llama_cpp.llama_token_data * 1)()
        self._one_array = llama_cpp.llama_token_data_array(data=self._one, size=1, selected=-1, sorted=False)
        self._all = (llama_cpp.llama_token_data * self._n_vocab)()
        self._all_array = llama_cpp.llama_token_data_array(
            data=self._all, size=self._n_vocab, selected=-1, sorted=False
        )
        self._all_view = np.ctypeslib.as_array(self._all)
        self._ids = np.arange(self._n_vocab, dtype=np.int32)
        self.full_filters = 0
        self.tokens = 0

    def _logits(self, ctx: Any, idx: int) -> Any:
        pointer = self._lib.llama_get_logits_ith(ctx.ctx, idx)
        return self._np.ctypeslib.as_array(pointer, shape=(self._n_vocab,))

    def _penalized(self, logits: Any) -> Any:
        if not self._counts or (self._repeat == 1.0 and self._frequency == 0.0 and self._presence == 0.0):
            return logits
        logits = logits.copy()
        for token, count in self._counts.items():
            value = logits[token]
            value = value * self._repeat if value <= 0 else value / self._repeat
            logits[token] = value - (self._np.float32(count) * self._frequency + self._presence)
        return logits

    def _remember(self, token: int) -> None:
        if self._last_n <= 0:
            return
        if len(self._history) == self._last_n:
            old = self._history.popleft()
            self._counts[old] -= 1
            if not self._counts[old]:
                del self._counts[old]
        self._history.append(token)
        self._counts[token] = self._counts.get(token, 0) + 1

    def sample(self, ctx: Any, idx: int = -1) -> int:
        logits = self._penalized(self._logits(ctx, idx))
        best = int(logits.argmax())
        self._one[0] = self._lib.llama_token_data(best, float(logits[best]), 0.0)
        self._one_array.size = 1
        self._one_array.selected = -1
        self._lib.llama_sampler_apply(self._grammar, ctypes.byref(self._one_array))
        self.tokens += 1
        if self._one[0].logit != float("-inf"):
            token = best
        else:
            self.full_filters += 1
            view = self._all_view
            view["id"] = self._ids
            view["logit"] = logits
            view["p"] = 0.0
            self._all_array.size = self._n_vocab
            self._all_array.selected = -1
            self._all_array.sorted = False
            self._lib.llama_sampler_apply(self._grammar, ctypes.byref(self._all_array))
            size = int(self._all_array.size)
            kept = view[:size]
            token = int(kept["id"][int(kept["logit"].argmax())])
        self.accept(token)
        return token

    def accept(self, token: int) -> None:
        self._lib.llama_sampler_accept(self._grammar, token)
        self._remember(token)

    def reset(self) -> None:
        self._lib.llama_sampler_reset(self._grammar)
        self._history.clear()
        self._counts.clear()

    def close(self) -> None:
        if self._grammar is not None:
            self._lib.llama_sampler_free(self._grammar)
            self._grammar = None

    def __del__(self) -> None:
        self.close()


def install() -> None:
    """Make `Llama._init_sampler` return a GreedyGrammarSampler for greedy requests with a grammar."""
    import llama_cpp

    original = llama_cpp.Llama._init_sampler

    def init_sampler(self: Any, *args: Any, **kwargs: Any) -> Any:
        grammar = kwargs.get("grammar")
        greedy = kwargs.get("temp", 0.80) == 0.0 and kwargs.get("mirostat_mode", 0) == 0
        if args or grammar is None or not greedy or kwargs.get("logits_processor"):
            return original(self, *args, **kwargs)
        try:
            return GreedyGrammarSampler(
                self,
                grammar,
                repeat_penalty=kwargs.get("repeat_penalty", 1.0),
                frequency_penalty=kwargs.get("frequency_penalty", 0.0),
                presence_penalty=kwargs.get("presence_penalty", 0.0),
            )
        except (AttributeError, TypeError, ValueError):  # another llama-cpp-python's internals: its own way
            log.warning(
                "greedy grammar sampling unavailable; using llama-cpp-python's sampler", exc_info=True
            )
            return original(self, *args, **kwargs)

    setattr(llama_cpp.Llama, "_init_sampler", init_sampler)  # noqa: B010 - a patch, on purpose
    log.debug("greedy grammar sampling: the grammar checks the best token first")
