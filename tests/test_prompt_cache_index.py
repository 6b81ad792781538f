"""The prompt cache's index: longest prefix at a part boundary, least recently used out."""

from __future__ import annotations

from explorer.engine.prompt_cache import PromptCache


def test_lookup_takes_the_longest_prefix_that_ends_at_a_boundary():
    cache = PromptCache([20, 21])
    assert cache.lookup([1, 2, 3, 4, 5], [2, 4]) is None
    short = cache.claim([1, 2])
    long = cache.claim([1, 2, 3, 4])
    hit = cache.lookup([1, 2, 3, 4, 5], [2, 4])
    assert hit is not None and (hit.length, hit.seq) == (4, long)
    # a prefix that is not at one of this prompt's boundaries is not used
    hit = cache.lookup([1, 2, 3, 4, 5], [2, 3])
    assert hit is not None and (hit.length, hit.seq) == (2, short)
    # different tokens: no hit even at the same length
    assert cache.lookup([1, 9, 3, 4], [2, 4]) is None


def test_claim_reuses_the_least_recently_used_slot():
    cache = PromptCache([7, 8])
    a = cache.claim([1])
    b = cache.claim([2])
    assert {a, b} == {7, 8} and len(cache) == 2
    assert cache.lookup([1, 5], [1]) is not None  # [1] is now the most recently used
    c = cache.claim([3])
    assert c == b and cache.holds([1]) and cache.holds([3]) and not cache.holds([2])


def test_no_slots_means_no_cache():
    cache = PromptCache([])
    assert cache.claim([1, 2]) is None and len(cache) == 0


def test_clear_returns_every_slot():
    cache = PromptCache([3, 4, 5])
    cache.claim([1])
    cache.claim([2])
    assert sorted(cache.clear()) != [] and len(cache) == 0
    assert {cache.claim([9]), cache.claim([8]), cache.claim([7])} == {3, 4, 5}
