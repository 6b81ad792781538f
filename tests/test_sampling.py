"""Tests of explorer.sampling: each step on hand-written logits, then properties
against brute-force references (full sort, full cumsum) on random distributions."""

from __future__ import annotations

import ast
import math
import pickle
import sys
from pathlib import Path

import numpy as np
import pytest

from explorer import sampling
from explorer.sampling import (
    GREEDY_TEMPERATURE,
    SamplingParams,
    apply_logit_bias,
    apply_penalties,
    apply_temperature,
    apply_top_p,
    draw,
    log_softmax_normalizer,
    make_generator,
    probabilities,
    process,
    sample,
    sample_with_normalizer,
    top_logprobs,
    trace,
)

BIG = 262_144  # the engine's vocabulary size
ONE_MINUS = float(np.nextafter(1.0, 0.0))  # the largest u a generator can return

# Chi-square critical values at p = 0.001, by degrees of freedom.
CHI2_CRITICAL_0_001 = {1: 10.828, 2: 13.816, 3: 16.266, 4: 18.467, 5: 20.515, 6: 22.458}


def f64(*values: float) -> np.ndarray:
    return np.array(values, dtype=np.float64)


def readonly(values: np.ndarray) -> np.ndarray:
    """A read-only copy: any write by the code under test raises, like llama.cpp's buffer."""
    out = np.array(values)
    out.setflags(write=False)
    return out


# --- brute-force references -----------------------------------------------------------


def ref_weights(z: np.ndarray) -> np.ndarray:
    """exp(z - max) in the logits' own dtype, as float64: the same per-token values
    the module computes, so the references differ only in summation order."""
    return np.exp(z - z.max()).astype(np.float64)


def ref_softmax(z: np.ndarray) -> np.ndarray:
    z64 = z.astype(np.float64)
    e = np.exp(z64 - z64.max())
    return e / e.sum()


def ref_ranking(z: np.ndarray) -> np.ndarray:
    """Full sort: descending logit, ties by ascending id."""
    ids = np.arange(z.size)
    return np.lexsort((ids, -z))


def ref_top_p(z: np.ndarray, top_p: float) -> set[int]:
    w = ref_weights(z)
    order = ref_ranking(z)
    cum = np.cumsum(w[order])
    hit = np.flatnonzero(cum >= top_p * w.sum())
    finite = order[np.isfinite(z[order])]
    if hit.size == 0:
        return set(finite.tolist())
    return set(order[: hit[0] + 1].tolist())


def ref_draw(z: np.ndarray, u: float) -> tuple[int, np.ndarray]:
    w = ref_weights(z)
    cdf = np.cumsum(w) / w.sum()
    i = int(np.searchsorted(cdf, u, side="right"))
    return min(i, int(np.flatnonzero(w)[-1])), cdf


def random_logits(rng: np.random.Generator, n: int, kind: str, dtype: type) -> np.ndarray:
    if kind == "flat":
        z = np.full(n, rng.normal())
    elif kind == "near_flat":
        z = rng.normal(0, 0.05, n)
    elif kind == "peaked":
        z = rng.normal(0, 2.5, n)
        z[rng.integers(n)] += rng.uniform(5, 30)
    elif kind == "ties":
        z = rng.integers(-3, 1, n).astype(np.float64)
    elif kind == "with_inf":
        z = rng.normal(0, 2, n)
        z[rng.random(n) < 0.7] = -np.inf
        z[rng.integers(n)] = rng.normal()
    else:  # "normal"
        z = rng.normal(0, rng.uniform(0.3, 5), n)
    return z.astype(dtype)


KINDS = ["normal", "flat", "near_flat", "peaked", "ties", "with_inf"]


def random_cases(seed: int, count: int, sizes: tuple[int, ...]):
    rng = np.random.default_rng(seed)
    for case in range(count):
        n = int(rng.choice(sizes))
        kind = KINDS[case % len(KINDS)]
        dtype = np.float32 if case % 3 else np.float64
        yield rng, random_logits(rng, n, kind, dtype), kind


# --- the module's shape -----------------------------------------------------------------


def test_imports_only_numpy_and_the_standard_library():
    tree = ast.parse(Path(sampling.__file__).read_text())
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            roots.add(node.module.split(".")[0])
    assert roots - set(sys.stdlib_module_names) == {"numpy"}


def test_all_names_exist():
    for name in sampling.__all__:
        assert hasattr(sampling, name), name


X4 = f64(1.0, 2.0, 3.0, 0.5)


@pytest.mark.parametrize(
    "step",
    [
        pytest.param(lambda z: apply_logit_bias(z, {}), id="empty bias"),
        pytest.param(lambda z: apply_penalties(z, {1: 2}, 0.0, 0.0), id="zero penalties"),
        pytest.param(lambda z: apply_penalties(z, {}, 0.5, 0.5), id="no counts"),
        pytest.param(lambda z: apply_penalties(z, {1: 0}, 0.5, 0.5), id="zero counts"),
        pytest.param(lambda z: apply_temperature(z, 1.0), id="temperature 1"),
        pytest.param(lambda z: apply_top_p(z, 1.0), id="top_p 1"),
        pytest.param(lambda z: apply_top_p(z, 1.5), id="top_p above 1"),
        pytest.param(lambda z: process(z, SamplingParams(), {3: 1}), id="default process"),
    ],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_no_op_step_returns_its_input_object(step, dtype):
    z = readonly(X4.astype(dtype))
    assert step(z) is z


@pytest.mark.parametrize(
    "step",
    [
        pytest.param(lambda z: apply_logit_bias(z, {0: 5.0}), id="logit_bias"),
        pytest.param(lambda z: apply_penalties(z, {0: 2}, 0.5, 0.5), id="penalties"),
        pytest.param(lambda z: apply_temperature(z, 0.5), id="temperature"),
        pytest.param(lambda z: apply_temperature(z, 0.0), id="greedy"),
        pytest.param(lambda z: apply_top_p(z, 0.3), id="top_p"),
        pytest.param(lambda z: draw(z, 0.5), id="draw"),
        pytest.param(lambda z: top_logprobs(z, 3), id="top_logprobs"),
        pytest.param(lambda z: probabilities(z), id="probabilities"),
        pytest.param(
            lambda z: trace(z, SamplingParams(0.5, 0.5, 1.0, 1.0, {1: 2.0}), {0: 1}),
            id="trace",
        ),
    ],
)
@pytest.mark.parametrize("n", [4, BIG])
def test_no_step_writes_to_its_input(step, n):
    z = np.resize(X4, n).astype(np.float32)
    before = z.copy()
    z.setflags(write=False)  # a write would raise
    step(z)
    np.testing.assert_array_equal(z, before)


@pytest.mark.parametrize("bad", [[], [[1.0, 2.0]], np.zeros((2, 2))])
def test_logits_must_be_a_non_empty_vector(bad):
    with pytest.raises(ValueError, match="non-empty 1-D"):
        draw(bad, 0.5)


@pytest.mark.parametrize(
    "logits, message",
    [
        (f64(1.0, np.nan), "NaN"),
        (f64(1.0, np.inf), r"\+inf"),
        (f64(-np.inf, -np.inf), "every logit is -inf"),
    ],
)
@pytest.mark.parametrize(
    "fn",
    [lambda z: draw(z, 0.5), log_softmax_normalizer, probabilities, lambda z: apply_top_p(z, 0.5)],
)
def test_bad_logits_raise(fn, logits, message):
    with pytest.raises(ValueError, match=message):
        fn(logits)


# --- 1. logit_bias --------------------------------------------------------------------


@pytest.mark.parametrize(
    "bias, expected",
    [
        ({0: 1.5}, f64(2.5, 2.0, 3.0, 0.5)),
        ({3: -2.0, 1: 0.5}, f64(1.0, 2.5, 3.0, -1.5)),
        ({"2": 1.0}, f64(1.0, 2.0, 4.0, 0.5)),  # JSON keys are strings
        ({np.int64(0): -1}, f64(0.0, 2.0, 3.0, 0.5)),
    ],
)
def test_logit_bias_adds(bias, expected):
    np.testing.assert_array_equal(apply_logit_bias(X4, bias), expected)


@pytest.mark.parametrize(
    "bias, message",
    [
        ({4: 1.0}, r"logit_bias token id 4 is outside the vocabulary \(size 4"),
        ({-1: 1.0}, r"token id -1 is outside the vocabulary \(size 4"),
        ({"abc": 1.0}, "token ids must be integers, got 'abc'"),
        ({1.5: 1.0}, "token ids must be integers"),
        ({0: float("nan")}, r"logit_bias\[0\] must be a finite number"),
        ({1: 1.0, "1": 2.0}, "names token id 1 twice"),
        ({2**70: 1.0}, "outside any vocabulary"),
    ],
)
def test_logit_bias_rejects(bias, message):
    with pytest.raises(ValueError, match=message):
        apply_logit_bias(X4, bias)


def test_logit_bias_of_params_is_checked_against_the_vocabulary_when_applied():
    params = SamplingParams(logit_bias={10: 1.0})  # fine for a large vocabulary
    np.testing.assert_array_equal(process(np.zeros(11), params, {})[10], 1.0)
    with pytest.raises(ValueError, match=r"logit_bias token id 10 is outside the vocabulary"):
        process(X4, params, {})


def test_logit_bias_keeps_float32():
    out = apply_logit_bias(X4.astype(np.float32), {0: 0.25})
    assert out.dtype == np.float32
    assert out[0] == np.float32(1.25)


def test_logit_bias_minus_100_bans():
    z = f64(5.0, 3.0, 1.0, 0.0)
    banned = apply_logit_bias(z, {0: -100})
    assert probabilities(banned)[0] < 1e-40
    # Banned, not impossible: only u below its ~1e-44 share could still pick it.
    assert all(draw(banned, u) != 0 for u in np.linspace(1e-15, ONE_MINUS, 2001))


def test_logit_bias_plus_100_forces_at_temperature_1():
    z = f64(5.0, 3.0, 1.0, 0.0)
    params = SamplingParams(temperature=1.0, logit_bias={3: 100})
    rng = make_generator(1)
    assert {sample(z, params, {}, rng) for _ in range(500)} == {3}
    assert draw(process(z, params, {}), ONE_MINUS) == 3
    assert probabilities(process(z, params, {}))[3] > 1 - 1e-12


# --- 2. penalties ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "frequency, presence, expected",
    [
        # counts {0: 2, 2: 1}: logit[j] -= c[j] * frequency + (c[j] > 0) * presence
        (0.5, 0.0, f64(1.0 - 1.0, 2.0, 3.0 - 0.5, 0.5)),
        (0.0, 0.25, f64(1.0 - 0.25, 2.0, 3.0 - 0.25, 0.5)),
        (0.5, 0.25, f64(1.0 - 1.25, 2.0, 3.0 - 0.75, 0.5)),
        (2.0, 2.0, f64(1.0 - 6.0, 2.0, 3.0 - 4.0, 0.5)),
        (-0.5, -0.25, f64(1.0 + 1.25, 2.0, 3.0 + 0.75, 0.5)),  # negative: encourages
    ],
)
def test_penalties_formula(frequency, presence, expected):
    out = apply_penalties(X4, {0: 2, 2: 1}, frequency, presence)
    np.testing.assert_array_equal(out, expected)


def test_penalties_touch_only_sampled_tokens():
    out = apply_penalties(X4, {1: 0, 3: 3}, 1.0, 0.5)
    np.testing.assert_array_equal(out, f64(1.0, 2.0, 3.0, 0.5 - 3.5))


@pytest.mark.parametrize(
    "counts, frequency, message",
    [
        ({7: 1}, 0.5, r"counts token id 7 is outside the vocabulary \(size 4"),
        ({1: -1}, 0.5, "counts must be >= 0, got -1"),
        ({1.5: 1}, 0.5, "token ids must be integers, got 1.5"),
        ({1: 1.5}, 0.5, "counts must be integers, got 1.5"),
        ({1: 1}, float("inf"), "frequency_penalty must be a finite number"),
    ],
)
def test_penalties_reject(counts, frequency, message):
    with pytest.raises(ValueError, match=message):
        apply_penalties(X4, counts, frequency, 0.0)


# --- 3. temperature -------------------------------------------------------------------


@pytest.mark.parametrize("temperature", [0.5, 2.0, 0.25, 1.6])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_temperature_divides(temperature, dtype):
    z = X4.astype(dtype)
    out = apply_temperature(z, temperature)
    assert out.dtype == dtype
    np.testing.assert_array_equal(out, z / dtype(temperature))


@pytest.mark.parametrize("temperature", [0.0, GREEDY_TEMPERATURE, GREEDY_TEMPERATURE / 2])
@pytest.mark.parametrize(
    "logits, winner",
    [
        (f64(1.0, 2.0, 3.0, 0.5), 2),
        (f64(1.0, 3.0, 3.0, 2.0), 1),  # a tie goes to the lower id
        (f64(-np.inf, 0.0, 0.0), 1),
        (f64(4.0), 0),
    ],
)
def test_temperature_greedy(temperature, logits, winner):
    out = apply_temperature(logits, temperature)
    assert np.flatnonzero(np.isfinite(out)).tolist() == [winner]
    assert probabilities(out)[winner] == 1.0
    assert draw(out, 0.0) == winner
    assert draw(out, ONE_MINUS) == winner


def test_temperature_just_above_greedy_still_divides():
    out = apply_temperature(f64(1.0, 3.0, 3.0, 2.0), 2 * GREEDY_TEMPERATURE)
    assert np.isfinite(out).all()
    np.testing.assert_allclose(probabilities(out), [0.0, 0.5, 0.5, 0.0], atol=1e-12)


@pytest.mark.parametrize("temperature", [-0.1, float("nan"), float("inf")])
def test_temperature_rejects(temperature):
    with pytest.raises(ValueError, match="temperature must be a finite number >= 0"):
        apply_temperature(X4, temperature)


# --- 4. top_p -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "logits, top_p, kept",
    [
        (np.zeros(4), 0.5, {0, 1}),  # 0.25 + 0.25 reaches 0.5 exactly: adds up to >= top_p
        (np.zeros(4), 0.25, {0}),
        (np.zeros(4), 0.26, {0, 1}),
        (np.zeros(4), 0.0, {0}),  # top_p = 0 keeps the top token
        (np.zeros(4), 0.99, {0, 1, 2, 3}),
        (f64(0.0, 1.0, 1.0, 0.0), 1e-9, {1}),  # ties: lower id first
        (f64(0.0, 1.0, 1.0, 0.0), 0.4, {1, 2}),
        (f64(-np.inf, 0.0, 0.0, -np.inf), 0.6, {1, 2}),
        (f64(0.0, 10.0, 0.0, 0.0), 0.99, {1}),
        (f64(3.0), 0.5, {0}),
    ],
)
def test_top_p_table(logits, top_p, kept):
    out = apply_top_p(logits, top_p)
    assert set(np.flatnonzero(np.isfinite(out)).tolist()) == kept
    kept_ids = sorted(kept)
    np.testing.assert_array_equal(out[kept_ids], logits[kept_ids])


@pytest.mark.parametrize("top_p", [-0.1, float("nan")])
def test_top_p_rejects(top_p):
    with pytest.raises(ValueError, match=r"top_p must be in \[0, 1\]"):
        apply_top_p(X4, top_p)


def check_top_p(z: np.ndarray, top_p: float) -> None:
    out = apply_top_p(z, top_p)
    assert out.dtype == z.dtype
    kept = np.flatnonzero(np.isfinite(out))
    np.testing.assert_array_equal(out[kept], z[kept])

    w = ref_weights(z)
    total = w.sum()
    mass = w[kept].sum() / total
    assert mass >= top_p - 1e-12  # covers top_p
    if top_p > 0:  # smallest: without its least likely member it falls short
        assert mass - w[kept].min() / total < top_p + 1e-12
    else:
        assert kept.size == 1
    dropped = np.setdiff1d(np.flatnonzero(np.isfinite(z)), kept)
    if dropped.size:  # no dropped token beats a kept one
        assert z[kept].min() >= z[dropped].max()
    assert set(kept.tolist()) == ref_top_p(z, top_p)  # exactly the full sort's nucleus


def test_top_p_properties_on_random_distributions():
    sizes = (1, 2, 3, 5, 20, 100, 1000, 9000, 20_000)
    specials = [0.0, 0.5, 0.9, 0.999]
    for case, (rng, z, _) in enumerate(random_cases(7, 480, sizes)):
        top_p = specials[case % 4] if case % 5 == 0 else float(rng.random())
        check_top_p(z, top_p)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("top_p", [0.05, 0.9])
def test_top_p_properties_on_the_engine_vocabulary(kind, top_p):
    z = random_logits(np.random.default_rng(11), BIG, kind, np.float32)
    check_top_p(z, top_p)


def test_top_p_at_temperature_on_the_engine_vocabulary():
    rng = np.random.default_rng(5)
    for temperature in (0.3, 0.7, 1.5, 2.0):
        z = random_logits(rng, BIG, "peaked", np.float32)
        check_top_p(apply_temperature(z, temperature), float(rng.uniform(0.5, 0.99)))


@pytest.mark.parametrize(
    "sigma, temperature, most_sorted",
    [
        (3.0, 0.7, 5_000),  # a nucleus of ~700 tokens: the first threshold holds it
        (3.0, 1.0, 40_000),  # ~11k tokens: the estimate from the sample avoids a full sort
        (2.5, 1.0, 80_000),  # ~29k tokens
    ],
)
def test_top_p_sorts_only_candidates(monkeypatch, sigma, temperature, most_sorted):
    sizes: list[int] = []
    real = sampling._prefix_nucleus

    def recording(candidates, *args):
        sizes.append(candidates.size)
        return real(candidates, *args)

    monkeypatch.setattr(sampling, "_prefix_nucleus", recording)
    rng = np.random.default_rng(1)
    z = (rng.standard_normal(BIG) * sigma).astype(np.float32)
    check_top_p(apply_temperature(z, temperature), 0.9)
    assert sizes and max(sizes) < most_sorted


# --- 5. draw --------------------------------------------------------------------------


def check_draw(z: np.ndarray, us: np.ndarray) -> None:
    mismatches = 0
    for u in us:
        got = draw(z, float(u))
        assert np.isfinite(z[got])  # never a probability-0 token
        expected, cdf = ref_draw(z, float(u))
        if got != expected:
            # Only summation-order rounding may move a token across a boundary that u sits on.
            lo, hi = sorted((got, expected))
            assert np.abs(cdf[lo:hi] - u).max() < 1e-9, (got, expected, u)
            mismatches += 1
    assert mismatches <= len(us) // 100


def u_values(rng: np.random.Generator, count: int) -> np.ndarray:
    return np.concatenate([[0.0, 1e-12, 0.5, 1 - 1e-9, ONE_MINUS], rng.random(count)])


@pytest.mark.parametrize("n", [1, 2, 7, 50, 2048, 2049, 5000, 9000, BIG])
@pytest.mark.parametrize("kind", KINDS)
def test_draw_matches_a_full_inverse_cdf(n, kind):
    rng = np.random.default_rng(n)
    z = random_logits(rng, n, kind, np.float32 if n > 100 else np.float64)
    check_draw(z, u_values(rng, 40 if n == BIG else 200))


def test_draw_on_few_finite_tokens_of_the_engine_vocabulary():
    rng = np.random.default_rng(3)
    z = np.full(BIG, -np.inf, dtype=np.float32)
    z[rng.choice(BIG, 12, replace=False)] = rng.normal(0, 2, 12)
    check_draw(z, u_values(rng, 300))


@pytest.mark.parametrize(
    "u, expected",
    [
        (0.0, 0),
        (0.25 - 1e-12, 0),
        (0.25, 1),  # exactly on a boundary: the first token whose CDF exceeds u
        (0.5, 2),
        (0.75, 3),
        (ONE_MINUS, 3),
    ],
)
def test_draw_at_exact_boundaries(u, expected):
    assert draw(np.zeros(4), u) == expected
    assert draw(np.zeros(4, dtype=np.float32), u) == expected


@pytest.mark.parametrize("u, expected", [(0.0, 0), (0.5, 2), (ONE_MINUS, 2)])
def test_draw_skips_a_zero_probability_token_on_a_boundary(u, expected):
    assert draw(f64(0.0, -np.inf, 0.0, -np.inf), u) == expected


@pytest.mark.parametrize("u", [0.0, 0.3, ONE_MINUS])
def test_draw_on_a_vocabulary_of_one(u):
    assert draw(f64(-3.0), u) == 0
    assert draw(np.array([7.0], dtype=np.float32), u) == 0


@pytest.mark.parametrize("u", [1.0, -0.1, float("nan"), 2.0])
def test_draw_rejects_u_outside_the_unit_interval(u):
    with pytest.raises(ValueError, match=r"u must be in \[0, 1\)"):
        draw(X4, u)


# --- logprobs -------------------------------------------------------------------------


def check_top_logprobs(z: np.ndarray, k: int) -> None:
    z64 = z.astype(np.float64)
    finite = z64[np.isfinite(z64)]
    expected_norm = finite.max() + math.log(np.exp(finite - finite.max()).sum())
    norm = log_softmax_normalizer(z)
    assert norm == pytest.approx(expected_norm, abs=1e-5)

    order = ref_ranking(z)
    order = order[np.isfinite(z[order])][:k]
    for given in (None, norm):
        ids, logprobs = top_logprobs(z, k, given)
        np.testing.assert_array_equal(ids, order)
        np.testing.assert_allclose(logprobs, z64[order] - expected_norm, atol=1e-5, rtol=0)
        assert np.all(np.diff(logprobs) <= 0)


@pytest.mark.parametrize("k", [1, 5, 20, 100])
@pytest.mark.parametrize("n", [1, 3, 20, 1000, 9000, BIG])
@pytest.mark.parametrize("kind", KINDS)
def test_top_logprobs_match_a_full_sort(kind, n, k):
    check_top_logprobs(random_logits(np.random.default_rng(n + k), n, kind, np.float32), k)


def test_top_logprobs_when_few_tokens_stand_out():
    # One token far above a wide flat floor: k exceeds every cluster near the max.
    z = np.zeros(BIG, dtype=np.float32)
    z[[5, 77, 100_000]] = [40.0, 39.0, 30.0]
    for k in (1, 3, 4, 20, 1000):
        check_top_logprobs(z, k)
    ids, _ = top_logprobs(z, 5)
    assert ids.tolist() == [5, 77, 100_000, 0, 1]  # then the flat floor, lowest ids first


def test_top_logprobs_leave_out_impossible_tokens():
    z = np.full(BIG, -np.inf, dtype=np.float32)
    z[[9, 4]] = [1.0, 2.0]
    ids, logprobs = top_logprobs(z, 20)
    assert ids.tolist() == [4, 9]
    np.testing.assert_allclose(np.exp(logprobs).sum(), 1.0)


def test_ranking_separates_neighbouring_floats_and_ties_signed_zeros():
    # float32 logits are ranked through their bit patterns: check the awkward values.
    base = np.array([1.0, -1.0, 3e-39, -3e-39, 1e30, -1e30], dtype=np.float32)
    values = np.concatenate(
        [
            base,
            np.nextafter(base, np.float32(np.inf)),
            np.nextafter(base, np.float32(-np.inf)),
            np.array([0.0, -0.0, 0.0, -0.0, -np.inf], dtype=np.float32),
        ]
    )
    z = np.random.default_rng(2).permutation(values)
    ids, _ = top_logprobs(z, z.size, normalizer=0.0)
    finite = ref_ranking(z)[: np.isfinite(z).sum()]
    np.testing.assert_array_equal(ids, finite)
    zeros = [i for i in ids.tolist() if z[i] == 0]
    assert zeros == sorted(zeros)  # -0.0 and 0.0 tie, so lower ids come first


def test_top_logprobs_zero_and_negative_k():
    ids, logprobs = top_logprobs(X4, 0)
    assert ids.shape == logprobs.shape == (0,)
    with pytest.raises(ValueError, match="k must be >= 0"):
        top_logprobs(X4, -1)


def test_normalizer_is_stable_for_huge_logits():
    z = f64(1000.0, 1000.0, -1000.0)
    assert log_softmax_normalizer(z) == pytest.approx(1000.0 + math.log(2.0))


def test_probabilities_sum_to_one():
    for _, z, _ in random_cases(3, 300, (1, 2, 20, 500, 9000)):
        p = probabilities(z)
        assert p.dtype == np.float64
        assert abs(p.sum() - 1.0) < 1e-9
        assert np.all(p >= 0)
        assert np.all(p[~np.isfinite(z)] == 0)
        np.testing.assert_allclose(p, ref_softmax(z), rtol=1e-5, atol=1e-12)


# --- the chain ------------------------------------------------------------------------


def test_process_runs_the_steps_in_order():
    z = f64(1.0, 2.0, 3.0, 0.5, 0.0)
    params = SamplingParams(0.5, 0.8, 0.5, 0.25, {4: 2.0})
    counts = {2: 2}
    expected = apply_top_p(
        apply_temperature(apply_penalties(apply_logit_bias(z, {4: 2.0}), counts, 0.5, 0.25), 0.5),
        0.8,
    )
    np.testing.assert_array_equal(process(z, params, counts), expected)
    # bias before temperature: (0 + 2) / 0.5 = 4, not 0 / 0.5 + 2
    assert process(z, SamplingParams(temperature=0.5, logit_bias={4: 2.0}), {})[4] == 4.0


def test_sampling_params_are_frozen_hashable_and_normalised():
    bias = {"5": 1, 2: -100}
    params = SamplingParams(0.7, 0.9, 0.1, 0.2, bias)
    bias[3] = 50.0  # the caller's dict is copied
    assert dict(params.logit_bias) == {5: 1.0, 2: -100.0}
    assert params == SamplingParams(0.7, 0.9, 0.1, 0.2, {2: -100.0, 5: 1.0})
    assert hash(params) == hash(SamplingParams(0.7, 0.9, 0.1, 0.2, {2: -100.0, 5: 1.0}))
    assert pickle.loads(pickle.dumps(params)) == params
    with pytest.raises(AttributeError):
        params.temperature = 1.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        params.logit_bias[5] = 2.0  # type: ignore[index]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"temperature": -1}, "temperature must be a finite number >= 0, got -1"),
        ({"top_p": -0.5}, r"top_p must be in \[0, 1\], got -0.5"),
        ({"frequency_penalty": float("nan")}, "frequency_penalty must be a finite number"),
        ({"presence_penalty": float("inf")}, "presence_penalty must be a finite number"),
        ({"logit_bias": {"x": 1}}, "token ids must be integers"),
    ],
)
def test_sampling_params_reject(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SamplingParams(**kwargs)


def tokens(seed: int | None, choice_index: int, params: SamplingParams, count: int = 60):
    z = random_logits(np.random.default_rng(0), 50, "normal", np.float32)
    rng = make_generator(seed, choice_index)
    return [sample(z, params, {}, rng) for _ in range(count)]


@pytest.mark.parametrize(
    "params", [SamplingParams(), SamplingParams(temperature=0.8, top_p=0.9, logit_bias={3: 2})]
)
def test_the_same_seed_gives_the_same_tokens(params):
    assert tokens(42, 0, params) == tokens(42, 0, params)
    assert tokens(42, 3, params) == tokens(42, 3, params)
    assert tokens(-42, 0, params) == tokens(-42, 0, params)


def test_each_choice_and_seed_gets_its_own_stream():
    params = SamplingParams(temperature=1.5)
    streams = [tokens(42, 0, params), tokens(42, 1, params), tokens(43, 0, params)]
    assert streams[0] != streams[1]
    assert streams[0] != streams[2]
    assert make_generator(42, 0).random() != make_generator(42, 1).random()
    assert tokens(None, 0, params) != tokens(None, 0, params)  # fresh entropy


def test_make_generator_rejects_a_negative_choice_index():
    with pytest.raises(ValueError, match="choice_index must be >= 0"):
        make_generator(1, -1)


def test_make_generator_is_pcg64_from_seed_and_choice():
    expected = np.random.Generator(np.random.PCG64(np.random.SeedSequence([9, 2]))).random(4)
    np.testing.assert_array_equal(make_generator(9, 2).random(4), expected)


@pytest.mark.parametrize(
    "params",
    [
        SamplingParams(),
        SamplingParams(temperature=0.7, top_p=0.9),
        SamplingParams(temperature=1.3, frequency_penalty=1.0, logit_bias={0: -1.5}),
    ],
)
def test_sampling_frequencies_follow_the_probabilities(params):
    # Chi-square goodness of fit: 20,000 draws, fixed seed, p = 0.001.
    z = np.log(f64(0.3, 0.25, 0.2, 0.12, 0.08, 0.05))
    counts = {1: 1}
    p = probabilities(process(z, params, counts))
    rng = make_generator(2024)
    draws = 20_000
    seen = np.bincount([sample(z, params, counts, rng) for _ in range(draws)], minlength=6)
    possible = p > 0
    assert seen[~possible].sum() == 0
    expected = draws * p[possible]
    assert expected.min() >= 5  # the chi-square approximation holds
    statistic = float(((seen[possible] - expected) ** 2 / expected).sum())
    assert statistic < CHI2_CRITICAL_0_001[int(possible.sum()) - 1]


# --- trace ----------------------------------------------------------------------------

STAGES = ["raw", "logit_bias", "penalties", "temperature", "top_p"]


def test_trace_follows_each_step():
    z = np.log(f64(0.3, 0.25, 0.2, 0.12, 0.08, 0.03, 0.02))
    params = SamplingParams(temperature=0.8, top_p=0.8, presence_penalty=0.5, logit_bias={6: 2.0})
    counts = {0: 1}
    views = trace(z, params, counts, track=3, extra_ids=[6, 1, 3])
    assert [v.name for v in views] == STAGES
    ids = views[0].token_ids
    assert ids.tolist()[:3] == [0, 1, 2]  # the raw top 3 first
    assert ids.tolist() == [0, 1, 2, 6, 3]  # then the extras, each id once
    for view in views:
        np.testing.assert_array_equal(view.token_ids, ids)

    np.testing.assert_allclose(views[0].probs, ref_softmax(z)[ids], rtol=1e-12)
    stages = [
        z,
        apply_logit_bias(z, params.logit_bias),
        apply_penalties(apply_logit_bias(z, params.logit_bias), counts, 0.0, 0.5),
    ]
    stages.append(apply_temperature(stages[-1], 0.8))
    stages.append(apply_top_p(stages[-1], 0.8))
    for view, logits in zip(views, stages, strict=True):
        np.testing.assert_allclose(view.probs, probabilities(logits)[ids], rtol=1e-12)
        np.testing.assert_array_equal(view.logits, logits[ids])

    cut = ~np.isfinite(stages[-1][ids])
    assert cut.any() and (~cut).any()
    assert np.all(views[-1].probs[cut] == 0)
    assert np.all(views[-1].probs[~cut] > 0)


def test_trace_final_probabilities_are_what_draw_uses():
    z = random_logits(np.random.default_rng(8), 20, "normal", np.float32)
    params = SamplingParams(temperature=0.9, top_p=0.85, frequency_penalty=0.7)
    counts = {int(np.argmax(z)): 2}
    final = trace(z, params, counts, track=20)[-1]
    processed = process(z, params, counts)
    grid = 20_000  # evenly spaced u: each token's share of the grid is its probability
    drawn = np.bincount([draw(processed, (i + 0.5) / grid) for i in range(grid)], minlength=z.size)
    np.testing.assert_allclose(drawn[final.token_ids] / grid, final.probs, atol=1.5 / grid)
    assert drawn.sum() == drawn[final.token_ids].sum()  # every drawable token is tracked


def test_trace_tracks_the_final_top_tokens_too():
    z = f64(5.0, 4.0, 3.0, 0.0, -1.0)
    views = trace(z, SamplingParams(logit_bias={4: 10.0}), {}, track=2)
    assert views[0].token_ids.tolist() == [0, 1, 4]  # raw top 2, then the final top
    assert views[-1].probs[2] > 0.95


def test_trace_on_the_engine_vocabulary():
    z = random_logits(np.random.default_rng(4), BIG, "peaked", np.float32)
    views = trace(z, SamplingParams(temperature=0.7, top_p=0.5), {}, track=10)
    np.testing.assert_allclose(
        views[0].probs, ref_softmax(z)[views[0].token_ids], rtol=1e-5, atol=1e-12
    )
    assert views[-1].probs.sum() <= 1 + 1e-9


def test_trace_rejects_an_unknown_extra_id():
    with pytest.raises(ValueError, match=r"extra_ids token id 9 is outside the vocabulary"):
        trace(X4, SamplingParams(), {}, extra_ids=[9])


def test_benchmark_runs():
    results = sampling._benchmark(vocab_size=20_000, tokens=2)
    assert {"default", "temperature=0.7 top_p=0.9"} <= set(results)
    assert all(median >= best > 0 for median, best in results.values())


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize(
    "params",
    [
        SamplingParams(),
        SamplingParams(temperature=0.7, top_p=0.9),
        SamplingParams(temperature=0.0),
        SamplingParams(frequency_penalty=0.5, logit_bias={3: 2.0}),
    ],
)
def test_sample_with_normalizer_matches_sample_and_normalizer(seed, params):
    rng = np.random.default_rng(seed)
    logits = (rng.standard_normal(262_144) * 3).astype(np.float32)
    counts = {1: 2, 3: 1}
    token, norm = sample_with_normalizer(logits, params, counts, make_generator(seed))
    assert token == sample(logits, params, counts, make_generator(seed))
    assert norm == log_softmax_normalizer(logits)
