"""Which prompt prefixes the engine keeps computed, and where.

A prompt is evaluated in parts (see `prompt.py`): the primer, the tools, one
part per turn, the open assistant turn. When a job's evaluation reaches the
end of a part worth keeping (the primer's end, and the conversation before
its open turn), the scheduler copies the sequence's KV cells into a cache
slot. A later prompt that starts with the same tokens up to one of its own
part boundaries copies those cells instead of computing them: the primer
costs nothing after its first use, and neither does a class's shared preset.

Every prompt is evaluated in chunks that never cross a part boundary, so a
cached prefix was computed in exactly the chunks a fresh evaluation would use,
and on a fresh engine the same bytes come back either way
(tests/engine/test_prompt_cache.py). llama.cpp's copies between KV streams are
not always that exact (see `Scheduler._quiet`), so the cache is opt-in
(`--prompt-cache`).

This module only keeps the index (which tokens live in which slot, least
recently used first out); the scheduler moves the cells.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["CacheHit", "PromptCache"]


@dataclass
class _Entry:
    tokens: tuple[int, ...]
    seq: int
    used: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class CacheHit:
    length: int  # prompt tokens whose cells are in `seq`
    seq: int


class PromptCache:
    def __init__(self, slots: Sequence[int]):
        self._free = list(slots)
        self._entries: list[_Entry] = []

    def __len__(self) -> int:
        return len(self._entries)

    def lookup(self, prompt: Sequence[int], boundaries: Sequence[int]) -> CacheHit | None:
        """The longest kept prefix of `prompt` that ends at one of its part `boundaries`."""
        now = time.monotonic()
        best: _Entry | None = None
        for entry in self._entries:
            n = len(entry.tokens)
            if n in boundaries and tuple(prompt[:n]) == entry.tokens:
                entry.used = now  # every matching prefix was useful: the primer stays in
                if best is None or n > len(best.tokens):
                    best = entry
        return None if best is None else CacheHit(len(best.tokens), best.seq)

    def holds(self, tokens: Sequence[int]) -> bool:
        return any(e.tokens == tuple(tokens) for e in self._entries)

    def claim(self, tokens: Sequence[int]) -> int | None:
        """A slot to copy `tokens`' cells into (the least recently used one if all are taken)."""
        if not self._free and not self._entries:
            return None  # no slots: caching is off
        if self._free:
            seq = self._free.pop(0)
        else:
            oldest = min(self._entries, key=lambda e: e.used)
            self._entries.remove(oldest)
            seq = oldest.seq
        self._entries.append(_Entry(tuple(tokens), seq))
        return seq

    def clear(self) -> list[int]:
        """Forgets every entry (after the model's memory was cleared); returns the slots."""
        slots = [e.seq for e in self._entries]
        self._free = sorted(self._free + slots)
        self._entries = []
        return slots
