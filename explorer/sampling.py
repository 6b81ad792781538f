"""The sampling pipeline: how the engine turns the model's logits into one token.

The steps run in the order an OpenAI-style engine applies them. Each is a pure
function ``(logits, ...) -> logits`` that never mutates its input and returns the
input object itself when it has nothing to do:

    logits
      -> 0. apply_allowed      forbidden by a grammar (structured outputs, tools): -inf
      -> 1. apply_logit_bias   logit[j] += logit_bias[j]
      -> 2. apply_penalties    logit[j] -= c[j] * frequency_penalty + (c[j] > 0) * presence_penalty
      -> 3. apply_temperature  logit / temperature; at most GREEDY_TEMPERATURE: argmax only
      -> 4. apply_top_p        keep the fewest most likely tokens whose probability reaches top_p
      -> 5. draw               inverse CDF at one uniform number u from the request's generator

`process` chains steps 1-4, `sample` all five, and `trace` records the probability
of a few tokens after every step for the app's charts. `top_logprobs` and
`log_softmax_normalizer` report logprobs of whatever logits they are given: the
caller decides whether it reports raw logprobs (before step 1, vLLM's default) or
processed ones, and says so.

Speed: the engine calls this once per token on a 262,144-token vocabulary with
about 1 ms to spare, so no common path sorts or cumsums the whole vocabulary.
Thresholds picked from a strided sample of the logits narrow each sort to about a
thousand candidates, and each threshold is checked so that the result is provably
the same as with a full sort. Every result is a deterministic function of the inputs.
"""

from __future__ import annotations

import math
import operator
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

__all__ = [
    "GREEDY_TEMPERATURE",
    "SamplingParams",
    "StepView",
    "apply_allowed",
    "apply_logit_bias",
    "apply_penalties",
    "apply_temperature",
    "apply_top_p",
    "draw",
    "log_softmax_normalizer",
    "make_generator",
    "probabilities",
    "process",
    "sample",
    "sample_with_normalizer",
    "top_logprobs",
    "trace",
]

GREEDY_TEMPERATURE: float = 1e-5
"""A temperature at or below this means greedy decoding (argmax, lowest id on ties)."""

_BLOCK = 1024  # block size of draw's two-level inverse CDF
_SUBSAMPLE = 4096  # about this many strided logits guide the thresholds
_SMALL = 2 * _SUBSAMPLE  # up to this size, sorting everything is cheaper than being clever
_TOP_P_PROBE = 16  # top_p first tries the tokens above the 16th largest sampled logit


# --- validation and shared arithmetic -------------------------------------------------


def _as_logits(logits: Any) -> np.ndarray:
    z = np.asarray(logits)
    if z.dtype != np.float32 and z.dtype != np.float64:
        z = z.astype(np.float64)
    if z.ndim != 1 or z.size == 0:
        raise ValueError(f"logits must be a non-empty 1-D array, got shape {z.shape}")
    return z


def _checked_max(z: np.ndarray) -> Any:
    m = z.max()
    if not m < np.inf:  # max propagates NaN, so this one test finds a NaN anywhere
        raise ValueError("logits must not contain NaN or +inf")
    if m == -np.inf:
        raise ValueError("every logit is -inf: no token has a nonzero probability")
    return m


def _weights(z: np.ndarray) -> tuple[Any, np.ndarray]:
    """The max and exp(z - max): unnormalised probabilities in [0, 1], computed once."""
    m = _checked_max(z)
    w = np.subtract(z, m)
    np.exp(w, out=w)
    return m, w


def _block_ends(w: np.ndarray) -> np.ndarray:
    """Float64 cumulative mass at the end of each _BLOCK-sized block (the last may be short)."""
    full = w.size - w.size % _BLOCK
    sums = w[:full].reshape(-1, _BLOCK).sum(axis=1, dtype=np.float64)
    if full < w.size:
        sums = np.append(sums, w[full:].sum(dtype=np.float64))
    return np.cumsum(sums)


def _total(w: np.ndarray) -> float:
    """The normaliser: the whole vocabulary's mass, accumulated in float64."""
    return float(_block_ends(w)[-1])


def _ranked(ids: np.ndarray, values: np.ndarray) -> np.ndarray:
    """`ids` ordered by descending value, ties by ascending id."""
    if values.dtype == np.float32:
        # One uint64 sort replaces a stable argsort (about 20x faster): the high word
        # orders the values descending, the low word is the id, which breaks ties.
        bits = (values + np.float32(0)).view(np.uint32)  # + 0 makes -0.0 tie with 0.0
        # Flip the magnitude bits of non-negative values (branch-free, unlike np.where).
        bits ^= ((bits >> np.uint32(31)) - np.uint32(1)) & np.uint32(0x7FFFFFFF)
        keys = (bits.astype(np.uint64) << np.uint64(32)) | ids.astype(np.uint64)
        keys.sort()
        return (keys & np.uint64(0xFFFFFFFF)).astype(np.intp)
    return ids[np.lexsort((ids, -values))]


def _stride(n: int) -> int:
    return max(1, n // _SUBSAMPLE)


def _token_id(key: Any) -> int:
    # JSON objects have string keys, so logit_bias may arrive as {"1234": 5}.
    try:
        token = int(key, 10) if isinstance(key, str) else operator.index(key)
    except (TypeError, ValueError):
        raise ValueError(f"token ids must be integers, got {key!r}") from None
    if not -(2**63) <= token < 2**63:
        raise ValueError(f"token id {token} is outside any vocabulary")
    return token


def _int_array(values: Iterable[Any], convert: Callable[[Any], int]) -> np.ndarray:
    """An int64 array of `values`; plain ints skip the per-item Python call."""
    items = list(values)
    array = np.array(items)
    if array.dtype.kind == "i" and array.ndim == 1:  # every item an int within int64
        return array.astype(np.int64, copy=False)
    return np.fromiter((convert(v) for v in items), dtype=np.int64, count=len(items))


def _count(value: Any) -> int:
    try:
        return operator.index(value)
    except TypeError:
        raise ValueError(f"counts must be integers, got {value!r}") from None


def _in_vocabulary(ids: np.ndarray, vocab_size: int, what: str) -> np.ndarray:
    bad = (ids < 0) | (ids >= vocab_size)
    if bad.any():
        raise ValueError(
            f"{what} token id {ids[bad][0]} is outside the vocabulary "
            f"(size {vocab_size}, ids 0 to {vocab_size - 1})"
        )
    return ids.astype(np.intp)


def _finite(name: str, value: float) -> float:
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value}")
    return value


def _check_temperature(temperature: float) -> float:
    t = float(temperature)
    if not (t >= 0.0 and math.isfinite(t)):
        raise ValueError(f"temperature must be a finite number >= 0, got {temperature}")
    return t


def _check_top_p(top_p: float) -> float:
    p = float(top_p)
    if not p >= 0.0:
        raise ValueError(f"top_p must be in [0, 1], got {top_p}")
    return p


def _bias_items(bias: Mapping[Any, float]) -> dict[int, float]:
    items: dict[int, float] = {}
    for key, value in bias.items():
        token = _token_id(key)
        if token in items:
            raise ValueError(f"logit_bias names token id {token} twice")
        items[token] = _finite(f"logit_bias[{token}]", value)
    return items


def _bias_arrays(bias: Mapping[Any, float]) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(bias, _FrozenBias):
        return bias._ids, bias._values
    items = _bias_items(bias)
    ids = np.fromiter(items, dtype=np.int64, count=len(items))
    return ids, np.fromiter(items.values(), dtype=np.float64, count=len(items))


class _FrozenBias(Mapping[int, float]):
    """An immutable, hashable, picklable token id -> bias map for SamplingParams,
    validated once and kept as arrays, since the engine applies it every token."""

    __slots__ = ("_items", "_ids", "_values")

    def __init__(self, bias: Mapping[Any, float]) -> None:
        self._items = _bias_items(bias)
        self._ids, self._values = _bias_arrays(self._items)
        self._ids.setflags(write=False)
        self._values.setflags(write=False)

    def __getitem__(self, key: int) -> float:
        return self._items[key]

    def __iter__(self) -> Iterator[int]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._items.items())))

    def __repr__(self) -> str:
        return repr(self._items)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self._items,))


# --- the steps ------------------------------------------------------------------------


def apply_allowed(logits: np.ndarray, allowed: np.ndarray | None) -> np.ndarray:
    """Step 0 (structured outputs, tools): tokens a grammar forbids get -inf.

    `allowed` is a boolean mask over the vocabulary; None means no constraint.
    """
    if allowed is None:
        return logits
    z = _as_logits(logits)
    if allowed.shape != z.shape:
        raise ValueError(f"the mask has {allowed.size} entries for {z.size} logits")
    if not allowed.any():
        raise ValueError("the grammar allows no token at all")
    return np.where(allowed, z, z.dtype.type(-np.inf))


def apply_logit_bias(logits: np.ndarray, bias: Mapping[int, float]) -> np.ndarray:
    """Step 1: add `bias[j]` to the logit of token j (about -100 bans, +100 forces)."""
    z = _as_logits(logits)
    if not bias:
        return z
    ids, values = _bias_arrays(bias)
    ids = _in_vocabulary(ids, z.size, "logit_bias")
    out = z.copy()
    out[ids] = z[ids] + values
    return out


def apply_penalties(
    logits: np.ndarray,
    counts: Mapping[int, int],
    frequency_penalty: float,
    presence_penalty: float,
) -> np.ndarray:
    """Step 2: OpenAI's repetition penalties.

    logit[j] -= c[j] * frequency_penalty + (1 if c[j] > 0 else 0) * presence_penalty,
    where c[j] counts how often j was already sampled in this completion (prompt
    tokens do not count, unlike llama.cpp's own penalty). Negative penalties raise
    the logits of repeated tokens.
    """
    z = _as_logits(logits)
    fp = _finite("frequency_penalty", frequency_penalty)
    pp = _finite("presence_penalty", presence_penalty)
    if (fp == 0.0 and pp == 0.0) or not counts:
        return z
    # Vectorised: the engine passes a growing dict of every token sampled so far.
    c = _int_array(counts.values(), _count)
    if (c < 0).any():
        raise ValueError(f"counts must be >= 0, got {c[c < 0][0]}")
    ids = _int_array(counts.keys(), _token_id)
    sampled = c > 0
    if not sampled.any():
        return z
    ids = _in_vocabulary(ids[sampled], z.size, "counts")
    out = z.copy()
    out[ids] = z[ids] - (c[sampled] * fp + pp)
    return out


def apply_temperature(logits: np.ndarray, temperature: float) -> np.ndarray:
    """Step 3: divide by the temperature; at or below GREEDY_TEMPERATURE keep only the argmax."""
    z = _as_logits(logits)
    t = _check_temperature(temperature)
    if t == 1.0:
        return z
    if t <= GREEDY_TEMPERATURE:
        _checked_max(z)
        best = int(np.argmax(z))  # the first maximum: ties go to the lowest id
        out = np.full_like(z, -np.inf)
        out[best] = z[best]
        return out
    return z / t  # t is a Python float, so float32 logits stay float32


def apply_top_p(logits: np.ndarray, top_p: float) -> np.ndarray:
    """Step 4: nucleus sampling; every token outside the nucleus becomes -inf.

    The nucleus is the shortest prefix of the tokens ranked by descending
    probability (ties: lower id first) whose probability adds up to at least
    top_p; it always holds the top token, so top_p = 0 is greedy.
    """
    z = _as_logits(logits)
    p = _check_top_p(top_p)
    if p >= 1.0:
        return z
    keep = _nucleus(z, p)
    if keep is None:
        return z
    out = np.full_like(z, -np.inf)
    out[keep] = z[keep]
    return out


def _nucleus(z: np.ndarray, top_p: float) -> np.ndarray | None:
    """The nucleus's ids, most likely first; None when it is every finite token.

    Tokens with logit >= t are a prefix of the full ranking, so when their mass
    reaches the target the cut lies inside them and their cumsum equals the full
    one's: the result is exactly that of a full sort.
    """
    m, w = _weights(z)
    target = top_p * _total(w)
    n = z.size
    if n > _SMALL:
        step = _stride(n)
        sample_ = z[::step]
        probe = sample_.size - _TOP_P_PROBE
        t = np.partition(sample_, probe)[probe]
        if t > -np.inf:
            # 1. The top ~16 * step tokens: enough for a peaked distribution, the usual case.
            keep, covered = _prefix_nucleus(np.flatnonzero(z >= t), z, w, target)
            if keep is not None:
                return keep
            # 2. Estimate from the sample how far below t the missing mass reaches;
            #    aim past the target by a margin, then check exactly.
            below = np.sort(sample_[sample_ < t])[::-1]
            estimate = covered + step * np.cumsum(np.exp(below - m), dtype=np.float64)
            total = float(estimate[-1]) if estimate.size else covered
            goal = target + max(0.0, min(target - covered, (total - target) / 2))
            reach = int(np.searchsorted(estimate, goal))
            if reach < below.size and below[reach] > -np.inf:
                keep, _ = _prefix_nucleus(np.flatnonzero(z >= below[reach]), z, w, target)
                if keep is not None:
                    return keep
    # 3. Every finite token: exact always, slow only for a flat large vocabulary.
    finite = np.flatnonzero(z > -np.inf)
    keep, _ = _prefix_nucleus(finite, z, w, target)
    if keep is None or keep.size == finite.size:  # None: float rounding left target unreached
        return None
    return keep


def _prefix_nucleus(
    candidates: np.ndarray, z: np.ndarray, w: np.ndarray, target: float
) -> tuple[np.ndarray | None, float]:
    order = _ranked(candidates, z[candidates])
    cum = np.cumsum(w[order], dtype=np.float64)
    if cum[-1] < target:
        return None, float(cum[-1])
    return order[: int(np.searchsorted(cum, target, side="left")) + 1], float(cum[-1])


def draw(logits: np.ndarray, u: float) -> int:
    """Step 5: the token at u on the CDF of softmax(logits), in token id order.

    Returns the first token whose cumulative probability exceeds u, so a -inf
    token (probability 0) is never drawn. Exact over the whole vocabulary.
    """
    z = _as_logits(logits)
    u = float(u)
    if not 0.0 <= u < 1.0:
        raise ValueError(f"u must be in [0, 1), got {u}")
    if z.size > _SMALL:
        sample_ = z[:: _stride(z.size)]
        if 4 * np.count_nonzero(sample_ > -np.inf) < sample_.size:
            # Mostly -inf (after top_p or greedy): walk the finite tokens only.
            _checked_max(z)  # a NaN would otherwise silently drop out
            finite = np.flatnonzero(z > -np.inf)
            return int(finite[_inverse_cdf(z[finite], u)])
    return _inverse_cdf(z, u)


def _inverse_cdf(z: np.ndarray, u: float) -> int:
    _, w = _weights(z)
    return _inverse_cdf_weights(w, None if w.size <= 2 * _BLOCK else _block_ends(w), u)


def _inverse_cdf_weights(w: np.ndarray, ends: np.ndarray | None, u: float) -> int:
    """The token at u on the CDF of weights `w` (with their block ends when w is large)."""
    if ends is None:
        cum = np.cumsum(w, dtype=np.float64)
        return _first_above(cum, u * cum[-1], w)
    # Two levels instead of a full cumsum: find the block, then the token inside it.
    target = u * ends[-1]
    b = int(np.searchsorted(ends, target, side="right"))
    if b == ends.size:  # u * total rounded up to the total
        return int(np.flatnonzero(w)[-1])
    start = b * _BLOCK
    block = w[start : start + _BLOCK]
    before = float(ends[b - 1]) if b else 0.0
    return start + _first_above(np.cumsum(block, dtype=np.float64), target - before, block)


def _first_above(cum: np.ndarray, target: float, w: np.ndarray) -> int:
    # side="right" skips zero-weight tokens: cum[i] > target >= cum[i - 1] means w[i] > 0.
    i = int(np.searchsorted(cum, target, side="right"))
    if i == cum.size:  # rounding put the target at the end
        i = int(np.flatnonzero(w)[-1])
    return i


# --- logprobs and probabilities -------------------------------------------------------


def log_softmax_normalizer(logits: np.ndarray) -> float:
    """log(sum(exp(logits))), stable (the max is subtracted), summed in float64.

    logprob[j] = logits[j] - log_softmax_normalizer(logits).
    """
    z = _as_logits(logits)
    m, w = _weights(z)
    return float(m) + math.log(_total(w))


def top_logprobs(
    logits: np.ndarray, k: int, normalizer: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Ids and logprobs of the k most likely tokens, most likely first (ties: lower id).

    Tokens of probability 0 (-inf logits) are left out, so fewer than k may come
    back. Pass `normalizer` = log_softmax_normalizer(logits) when it is already
    known: it saves a pass over the vocabulary.
    """
    z = _as_logits(logits)
    k = operator.index(k)
    if k < 0:
        raise ValueError(f"k must be >= 0, got {k}")
    if k == 0:
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.float64)
    if normalizer is None:
        normalizer = log_softmax_normalizer(z)  # also rejects NaN and all -inf
    candidates = _top_candidates(z, k)
    ids = _ranked(candidates, z[candidates])[:k]
    return ids, z[ids].astype(np.float64) - normalizer


def _top_candidates(z: np.ndarray, k: int) -> np.ndarray:
    """Ids that surely include the k largest finite logits and every tie of the k-th."""
    if z.size > _SMALL:
        sample_ = z[:: _stride(z.size)]
        if sample_.size > k:
            # k sampled logits are >= t, so at least k tokens are: the top k lie at or above t.
            t = np.partition(sample_, sample_.size - k)[sample_.size - k]
            if t > -np.inf:
                return np.flatnonzero(z >= t)
    return np.flatnonzero(z > -np.inf)


def probabilities(logits: np.ndarray) -> np.ndarray:
    """The full softmax in float64 (sums to 1); meant for small vocabularies such as the Lab's."""
    z = _as_logits(logits)
    _, w = _weights(z)
    return w.astype(np.float64) / _total(w)


# --- the chain ------------------------------------------------------------------------


@dataclass(frozen=True)
class SamplingParams:
    """The request parameters that shape sampling; validated on construction."""

    temperature: float = 1.0
    top_p: float = 1.0
    frequency_penalty: float = 0.0
    presence_penalty: float = 0.0
    logit_bias: Mapping[int, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # the dataclass is frozen
        set_(self, "temperature", _check_temperature(self.temperature))
        set_(self, "top_p", _check_top_p(self.top_p))
        set_(self, "frequency_penalty", _finite("frequency_penalty", self.frequency_penalty))
        set_(self, "presence_penalty", _finite("presence_penalty", self.presence_penalty))
        set_(self, "logit_bias", _FrozenBias(self.logit_bias))


def process(logits: np.ndarray, params: SamplingParams, counts: Mapping[int, int]) -> np.ndarray:
    """Steps 1-4 in order; with default params this returns `logits` itself."""
    z = apply_logit_bias(logits, params.logit_bias)
    z = apply_penalties(z, counts, params.frequency_penalty, params.presence_penalty)
    z = apply_temperature(z, params.temperature)
    return apply_top_p(z, params.top_p)


def sample(
    logits: np.ndarray,
    params: SamplingParams,
    counts: Mapping[int, int],
    rng: np.random.Generator,
) -> int:
    """Steps 1-5: the next token id, using one uniform number from `rng`."""
    return draw(process(logits, params, counts), rng.random())


def sample_with_normalizer(
    logits: np.ndarray, params: SamplingParams, counts: Mapping[int, int], rng: np.random.Generator
) -> tuple[int, float]:
    """`sample`, plus `log_softmax_normalizer` of the raw logits (for reported logprobs).

    When the pipeline leaves the logits unchanged (the default parameters), the
    draw and the normaliser share one pass of exp over the vocabulary; the token
    is the same as `sample` would give.
    """
    processed = process(logits, params, counts)
    u = float(rng.random())
    z = _as_logits(processed)
    if processed is not logits or z.size <= _SMALL or not 0.0 <= u < 1.0:
        return draw(processed, u), log_softmax_normalizer(logits)
    sample_ = z[:: _stride(z.size)]
    if 4 * np.count_nonzero(sample_ > -np.inf) < sample_.size:
        return draw(processed, u), log_softmax_normalizer(logits)
    m, w = _weights(z)
    ends = _block_ends(w)
    token = _inverse_cdf_weights(w, None if w.size <= 2 * _BLOCK else ends, u)
    return token, float(m) + math.log(float(ends[-1]))


def make_generator(seed: int | None, choice_index: int = 0) -> np.random.Generator:
    """A generator for one choice of one request: PCG64 seeded from (seed, choice_index).

    Each of the n choices gets its own stream; seed None draws fresh OS entropy.
    Seeds are taken modulo 2**64, so a negative int64 seed works too.
    """
    index = operator.index(choice_index)
    if index < 0:
        raise ValueError(f"choice_index must be >= 0, got {index}")
    if seed is None:
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence()))
    entropy = [operator.index(seed) % 2**64, index]
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy)))


@dataclass(frozen=True, eq=False)
class StepView:
    """One stage of the pipeline as the app charts it, for a fixed set of tokens."""

    name: str  # "raw", "logit_bias", "penalties", "temperature" or "top_p"
    token_ids: np.ndarray
    probs: np.ndarray  # normalised over the whole vocabulary; 0 for a token cut by top_p
    logits: np.ndarray  # the tracked tokens' logits after this step (-inf when cut)


def trace(
    logits: np.ndarray,
    params: SamplingParams,
    counts: Mapping[int, int],
    track: int = 10,
    extra_ids: Sequence[int] = (),
) -> list[StepView]:
    """The tracked tokens' probabilities after each step, raw first.

    Tracked: the top `track` tokens of the raw distribution, then those of the
    final one, then `extra_ids` (e.g. biased tokens), each id once.
    """
    raw = _as_logits(logits)
    biased = apply_logit_bias(raw, params.logit_bias)
    penalised = apply_penalties(biased, counts, params.frequency_penalty, params.presence_penalty)
    cooled = apply_temperature(penalised, params.temperature)
    final = apply_top_p(cooled, params.top_p)
    stages = [
        ("raw", raw),
        ("logit_bias", biased),
        ("penalties", penalised),
        ("temperature", cooled),
        ("top_p", final),
    ]

    extra = _in_vocabulary(_int_array(extra_ids, _token_id), raw.size, "extra_ids")
    groups = (
        top_logprobs(raw, track, normalizer=0.0)[0],  # ids only: skip the normaliser
        top_logprobs(final, track, normalizer=0.0)[0],
        extra,
    )
    token_ids = np.array(list(dict.fromkeys(int(i) for g in groups for i in g)), dtype=np.intp)
    token_ids.setflags(write=False)

    views: list[StepView] = []
    for name, z in stages:
        if views and z is stages[len(views) - 1][1]:  # a no-op step: same numbers again
            views.append(replace(views[-1], name=name))
            continue
        _, w = _weights(z)
        probs = w[token_ids].astype(np.float64) / _total(w)
        values = z[token_ids]  # fancy indexing copies
        probs.setflags(write=False)
        values.setflags(write=False)
        views.append(StepView(name, token_ids, probs, values))
    return views


# --- timing ---------------------------------------------------------------------------


def _benchmark(vocab_size: int = 262_144, tokens: int = 300) -> dict[str, tuple[float, float]]:
    """Median and best microseconds per token of the engine's per-token Python work:
    `sample`, then the raw `log_softmax_normalizer` and `top_logprobs(k=20)`."""
    gen = np.random.default_rng(0)
    logits = (gen.standard_normal(vocab_size) * 2.5).astype(np.float32)
    logits[gen.integers(0, vocab_size, 8)] += np.linspace(8, 14, 8, dtype=np.float32)
    logits.setflags(write=False)  # like a view of llama.cpp's buffer
    rng = make_generator(0)
    cases = {
        "default": SamplingParams(),
        "temperature=0.7 top_p=0.9": SamplingParams(temperature=0.7, top_p=0.9),
        "temperature=0 (greedy)": SamplingParams(temperature=0.0),
        "penalties+bias, temperature=0.7 top_p=0.9": SamplingParams(
            temperature=0.7,
            top_p=0.9,
            frequency_penalty=0.5,
            presence_penalty=0.5,
            logit_bias={1: 5.0, 2: -100.0},
        ),
        "temperature=2 top_p=0.9 (flat: huge nucleus)": SamplingParams(temperature=2.0, top_p=0.9),
    }
    counts = {int(i): 1 for i in gen.integers(0, vocab_size, 50)}
    results = {}
    for name, params in cases.items():
        times = []
        for _ in range(tokens):
            start = time.perf_counter()
            sample(logits, params, counts, rng)
            top_logprobs(logits, 20, log_softmax_normalizer(logits))
            times.append(time.perf_counter() - start)
        results[name] = (float(np.median(times) * 1e6), float(np.min(times) * 1e6))
    return results


if __name__ == "__main__":
    print("us per token, 262,144 float32 logits: sample + normalizer + top_logprobs(20)")
    for case, (median, best) in _benchmark().items():
        print(f"  {case:46s} median {median:6.0f}   best {best:6.0f}")
