"""The Sampling Lab's logic: distributions in, every pipeline step out, draws checked."""

from __future__ import annotations

import math

import numpy as np
import pytest

from explorer import sampling
from explorer.api import ChatCompletion, ChatCompletionTokenLogprob, ExplainPosition
from explorer.lab import sampling_lab as lab

PROBS = [0.5, 0.2, 0.15, 0.1, 0.05]
TOKENS = [" green", " yellow", " red", " blue", "\n"]
IDS = [7, 3, 11, 5, 107]


def explain_position(probs=PROBS, ids=IDS, tokens=TOKENS) -> ExplainPosition:
    # The engine's explain entry: the raw step lists tracked ids in its own order.
    order = list(reversed(range(len(ids))))
    steps = [
        {"name": name, "token_ids": [ids[i] for i in order], "probs": [probs[i] for i in order]}
        for name in ("raw", "logit_bias", "penalties", "temperature", "top_p")
    ]
    return ExplainPosition.model_validate(
        {
            "token_id": ids[0],
            "tokens": {str(i): t for i, t in zip(ids, tokens, strict=True)},
            "steps": steps,
        }
    )


@pytest.fixture
def dist() -> lab.NextTokenDistribution:
    return lab.from_explain(explain_position())


def softmax(z: np.ndarray) -> np.ndarray:
    w = np.exp(z - z.max())
    return w / w.sum()


# ---------------------------------------------------------------- distributions


def test_from_explain_keeps_ids_texts_and_raw_probabilities(dist) -> None:
    assert [c.token for c in dist.candidates] == TOKENS  # most likely first
    assert [c.token_id for c in dist.candidates] == IDS
    assert [c.prob for c in dist.candidates] == pytest.approx(PROBS)
    assert dist.source == "explain" and dist.has_ids
    assert dist.coverage == pytest.approx(1.0)
    assert dist.labels == ["␣green", "␣yellow", "␣red", "␣blue", "\\n"]


def test_from_top_logprobs_has_no_ids_and_keeps_coverage() -> None:
    entry = ChatCompletionTokenLogprob.model_validate(
        {
            "token": " a",
            "logprob": math.log(0.3),
            "top_logprobs": [
                {"token": " b", "logprob": math.log(0.4)},
                {"token": " a", "logprob": math.log(0.3)},
                {"token": " a", "logprob": math.log(0.3)},  # a duplicate is dropped
            ],
        }
    )
    dist = lab.from_top_logprobs(entry)
    assert [c.token for c in dist.candidates] == [" b", " a"]
    assert not dist.has_ids and dist.source == "top_logprobs"
    assert dist.coverage == pytest.approx(0.7)


def test_from_top_logprobs_without_alternatives_says_what_to_do() -> None:
    entry = ChatCompletionTokenLogprob.model_validate({"token": "x", "logprob": -1.0})
    with pytest.raises(lab.LabInputError, match="top_logprobs of 2 or more"):
        lab.from_top_logprobs(entry)


def _completion(choice: dict) -> ChatCompletion:
    base = {"index": 0, "message": {"role": "assistant", "content": " green"}}
    return ChatCompletion.model_validate(
        {"id": "c", "created": 0, "model": "m", "choices": [base | choice]}
    )


def test_from_completion_prefers_explain_then_top_logprobs() -> None:
    logprobs = {
        "content": [
            {"token": " green", "logprob": -0.7, "top_logprobs": [{"token": " x", "logprob": -0.1}]}
        ]
    }
    both = _completion({"logprobs": logprobs, "explain": [explain_position().model_dump()]})
    assert lab.from_completion(both).source == "explain"
    only_logprobs = _completion({"logprobs": logprobs})
    assert [c.token for c in lab.from_completion(only_logprobs).candidates] == [" x"]
    with pytest.raises(lab.LabInputError, match="sent no logprobs"):
        lab.from_completion(_completion({"logprobs": None}))
    with pytest.raises(lab.LabInputError, match="ended before"):
        lab.from_completion(_completion({"logprobs": {"content": []}}))


def test_fetch_request_asks_for_one_token_with_every_candidate() -> None:
    messages = [{"role": "user", "content": "Hi"}]
    engine = lab.fetch_request("m", messages, explain=True).payload()
    assert engine["max_tokens"] == 1 and engine["logprobs"] is True
    assert engine["top_logprobs"] == 20 and engine["explain"] == 20
    assert "explain" not in lab.fetch_request("m", messages, explain=False).payload()


def test_drawn_tokens_match_by_id_else_by_text(dist) -> None:
    assert dist.index(" red", 11) == 2
    assert dist.index("anything", 11) == 2  # the id decides when both sides have one
    assert dist.index(" red", None) == 2
    assert dist.index(" purple", 99) is None


# ---------------------------------------------------------------- reshaping


def test_default_settings_leave_every_step_at_the_renormalised_distribution(dist) -> None:
    shaped = lab.reshape(dist, lab.LabSettings())
    assert [s.name for s in shaped.stages] == [
        "raw",
        "logit_bias",
        "penalties",
        "temperature",
        "top_p",
    ]
    for stage in shaped.stages:
        assert stage.probs == pytest.approx(PROBS)
    assert shaped.kept == (0, 1, 2, 3, 4) and shaped.cut == ()


@pytest.mark.parametrize("temperature", [0.3, 0.7, 1.0, 1.6, 2.0])
def test_temperature_matches_softmax_of_scaled_logits(dist, temperature) -> None:
    shaped = lab.reshape(dist, lab.LabSettings(temperature=temperature))
    expected = softmax(np.log(PROBS) / temperature)
    assert shaped.stage("temperature").probs == pytest.approx(expected, rel=1e-9)
    assert shaped.final.sum() == pytest.approx(1.0)


def test_bias_and_penalties_follow_openais_formula(dist) -> None:
    settings = lab.LabSettings(
        frequency_penalty=0.5, presence_penalty=0.3, counts={0: 2}, logit_bias={3: 2.0}
    )
    shaped = lab.reshape(dist, settings)
    z = np.log(PROBS)
    biased = z.copy()
    biased[3] += 2.0
    penalised = biased.copy()
    penalised[0] -= 2 * 0.5 + 0.3
    assert shaped.stage("logit_bias").logits == pytest.approx(biased)
    assert shaped.stage("penalties").logits == pytest.approx(penalised)
    assert shaped.stage("penalties").probs == pytest.approx(softmax(penalised))


def test_top_p_keeps_the_smallest_prefix_reaching_top_p(dist) -> None:
    shaped = lab.reshape(dist, lab.LabSettings(top_p=0.8))
    # 0.5 + 0.2 = 0.7 < 0.8 <= 0.85: three tokens stay
    assert shaped.kept == (0, 1, 2)
    assert shaped.cut == (3, 4)
    assert shaped.final == pytest.approx([0.5 / 0.85, 0.2 / 0.85, 0.15 / 0.85, 0, 0])
    assert lab.reshape(dist, lab.LabSettings(top_p=0.0)).kept == (0,)


def test_temperature_zero_is_greedy_and_not_a_top_p_cut(dist) -> None:
    shaped = lab.reshape(dist, lab.LabSettings(temperature=0.0, top_p=0.5))
    assert shaped.greedy
    assert shaped.final == pytest.approx([1, 0, 0, 0, 0])
    assert shaped.kept == (0,) and shaped.cut == ()


def test_a_ban_and_a_force_by_logit_bias(dist) -> None:
    banned = lab.reshape(dist, lab.LabSettings(logit_bias={0: -100}))
    assert banned.final[0] < 1e-40
    forced = lab.reshape(dist, lab.LabSettings(logit_bias={4: 100}))
    assert forced.final[4] == pytest.approx(1.0)


def test_reshape_uses_the_engines_own_step_functions(dist, monkeypatch) -> None:
    calls: list[str] = []
    for name in ("apply_logit_bias", "apply_penalties", "apply_temperature", "apply_top_p"):
        original = getattr(sampling, name)

        def spy(*args, _original=original, _name=name, **kwargs):
            calls.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(sampling, name, spy)
    lab.reshape(dist, lab.LabSettings(temperature=0.5, top_p=0.9))
    assert calls == ["apply_logit_bias", "apply_penalties", "apply_temperature", "apply_top_p"]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (lab.LabSettings(temperature=-1), "temperature"),
        (lab.LabSettings(counts={9: 1}), "counts names candidate 9"),
        (lab.LabSettings(logit_bias={-1: 1}), "logit_bias names candidate -1"),
        (lab.LabSettings(counts={0: -2}, frequency_penalty=1), "counts must be >= 0"),
    ],
)
def test_bad_settings_are_refused_with_a_message(dist, settings, message) -> None:
    with pytest.raises(ValueError, match=message):
        lab.reshape(dist, settings)


def test_probabilities_sum_to_one_after_every_step() -> None:
    gen = np.random.default_rng(1)
    for _ in range(50):
        probs = gen.dirichlet(np.ones(12))
        position = explain_position(list(probs), list(range(12)), [f"t{i}" for i in range(12)])
        dist = lab.from_explain(position)
        settings = lab.LabSettings(
            temperature=float(gen.uniform(0.05, 2)),
            top_p=float(gen.uniform(0, 1)),
            frequency_penalty=float(gen.uniform(-2, 2)),
            presence_penalty=float(gen.uniform(-2, 2)),
            counts={int(gen.integers(12)): int(gen.integers(0, 5))},
            logit_bias={int(gen.integers(12)): float(gen.integers(-100, 101))},
        )
        shaped = lab.reshape(dist, settings)
        for stage in shaped.stages:
            assert stage.probs.sum() == pytest.approx(1.0)
        # top_p keeps the smallest set covering top_p of the temperature step's mass
        before = shaped.stage("temperature").probs
        kept = [before[i] for i in shaped.kept]
        assert sum(kept) >= settings.top_p - 1e-12
        assert sum(kept[:-1]) < settings.top_p or len(kept) == 1


def test_stage_rows_limit_keeps_biased_and_penalised_tokens() -> None:
    probs = [0.3] + [0.7 / 19] * 19
    position = explain_position(probs, list(range(20)), [f"t{i}" for i in range(20)])
    dist = lab.from_explain(position)
    shaped = lab.reshape(dist, lab.LabSettings(logit_bias={19: 3}, counts={18: 1}, top_p=0.5))
    rows = lab.stage_rows(shaped, limit=6)
    tokens = sorted({r["token"] for r in rows}, key=lambda t: int(t[1:]))
    assert len(tokens) == 6 and "t19" in tokens and "t18" in tokens
    assert len(rows) == 6 * 5
    top_p_rows = [r for r in rows if r["step"] == lab.STEP_LABELS["top_p"]]
    assert {r["status"] for r in top_p_rows if r["probability"] == 0} == {"cut by top_p"}


# ---------------------------------------------------------------- formulas


def test_formulas_plug_in_the_learners_numbers(dist) -> None:
    settings = lab.LabSettings(
        temperature=0.5,
        top_p=0.8,
        frequency_penalty=0.5,
        presence_penalty=-0.25,
        counts={1: 2},
        logit_bias={1: 3.0},
    )
    shaped = lab.reshape(dist, settings)
    by_step = {f.step: f for f in lab.formulas(shaped, 1)}
    assert list(by_step) == ["raw", "logit_bias", "penalties", "temperature", "top_p"]
    z = math.log(0.2)
    assert f"{z:.3f}" in by_step["raw"].latex
    assert f"{z:.3f} + 3 = {z + 3:.3f}" in by_step["logit_bias"].latex
    penalised = z + 3 - 2 * 0.5 + 0.25
    assert r"2 \times 0.5 - 1 \times (-0.25)" in by_step["penalties"].latex
    assert f"= {penalised:.3f}" in by_step["penalties"].latex
    assert f"{penalised:.3f} / 0.5" in by_step["temperature"].latex
    assert f"{shaped.stage('temperature').probs[1]:.4f}".rstrip("0") in by_step["temperature"].latex
    assert r"\ge 0.8" in by_step["top_p"].latex
    assert "outside the nucleus" not in by_step["top_p"].latex  # token 1 is kept


def test_formulas_for_a_cut_token_greedy_and_no_top_p(dist) -> None:
    cut = {f.step: f for f in lab.formulas(lab.reshape(dist, lab.LabSettings(top_p=0.5)), 4)}
    assert "outside the nucleus" in cut["top_p"].latex
    greedy = {f.step: f for f in lab.formulas(lab.reshape(dist, lab.LabSettings(temperature=0)), 0)}
    assert "greedy" in greedy["temperature"].title
    plain = {f.step: f for f in lab.formulas(lab.reshape(dist, lab.LabSettings()), 0)}
    assert "keeps every token" in plain["top_p"].title


def test_formulas_never_carry_token_text() -> None:
    position = explain_position(tokens=["\\frac{evil}", "$x$", "}", "{", "\\\\"])
    dist = lab.from_explain(position)
    for formula in lab.formulas(lab.reshape(dist, lab.LabSettings(top_p=0.9)), 0):
        for token in ("evil", "$x$"):
            assert token not in formula.latex


def test_huge_logits_do_not_overflow_the_formula(dist) -> None:
    shaped = lab.reshape(dist, lab.LabSettings(temperature=0.05, logit_bias={0: 100}))
    temperature = {f.step: f for f in lab.formulas(shaped, 0)}["temperature"]
    assert "inf" not in temperature.latex and "nan" not in temperature.latex


# ---------------------------------------------------------------- predict, then check


def test_plan_draws_uses_consecutive_seeds_and_n_choices() -> None:
    assert lab.plan_draws(20, 8) == [(0, 8), (1, 8), (2, 4)]
    assert lab.plan_draws(3, 1, first_seed=5) == [(5, 1), (6, 1), (7, 1)]
    assert sum(n for _, n in lab.plan_draws(504, 8)) == 504
    with pytest.raises(ValueError):
        lab.plan_draws(0, 8)


def test_check_settings_leaves_out_what_a_first_token_cannot_show(dist) -> None:
    settings = lab.LabSettings(frequency_penalty=1.0, counts={0: 3}, logit_bias={1: 5})
    checked, notes = lab.check_settings(dist, settings)
    assert dict(checked.counts) == {} and dict(checked.logit_bias) == {1: 5}
    assert len(notes) == 1 and "first token has none" in notes[0]

    no_ids = lab.NextTokenDistribution(
        tuple(lab.Candidate(c.token, c.logprob) for c in dist.candidates), "top_logprobs"
    )
    checked, notes = lab.check_settings(no_ids, lab.LabSettings(logit_bias={1: 5}))
    assert dict(checked.logit_bias) == {}
    assert len(notes) == 1 and "needs ids" in notes[0]
    # Nothing to leave out: no notes.
    assert lab.check_settings(dist, lab.LabSettings(temperature=0.5))[1] == []


def test_draw_request_sends_the_checkable_settings_by_token_id(dist) -> None:
    messages = [{"role": "user", "content": "Pick"}]
    settings = lab.LabSettings(temperature=0.7, top_p=0.9, logit_bias={1: 5.0})
    body = lab.draw_request("m", messages, dist, settings, seed=4, n=8, explain=True).payload()
    assert body == {
        "model": "m",
        "messages": messages,
        "max_tokens": 1,
        "temperature": 0.7,
        "top_p": 0.9,
        "seed": 4,
        "logprobs": True,
        "n": 8,
        "logit_bias": {"3": 5},
        "explain": 1,
    }
    single = lab.draw_request("m", messages, dist, lab.LabSettings(), seed=0).payload()
    assert "n" not in single and "logit_bias" not in single and "explain" not in single


def test_drawn_token_reads_explain_then_logprobs_then_content() -> None:
    with_all = _completion(
        {
            "logprobs": {"content": [{"token": " red", "logprob": -1}]},
            "explain": [{"token_id": 11, "steps": []}],
        }
    ).choices[0]
    assert lab.drawn_token(with_all) == (" red", 11)
    content_only = _completion({}).choices[0]
    assert lab.drawn_token(content_only) == (" green", None)
    empty = ChatCompletion.model_validate(
        {
            "id": "c",
            "created": 0,
            "model": "m",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": ""}}],
        }
    ).choices[0]
    assert lab.drawn_token(empty) == (None, None)


def test_tally_counts_candidates_and_others(dist) -> None:
    counted = lab.tally(
        dist, [(" green", 7), (" green", None), (" red", 11), ("?", 99), (None, None)]
    )
    assert counted.counts.tolist() == [2, 0, 1, 0, 0]
    assert counted.other == 2 and counted.total == 5


@pytest.mark.parametrize(
    ("df", "value"), [(1, 6.635), (2, 9.210), (4, 13.277), (10, 23.209), (30, 50.892)]
)
def test_chi_square_critical_values(df: int, value: float) -> None:
    assert lab.chi_square_critical(df) == pytest.approx(value)


def test_chi_square_critical_beyond_the_table_is_close_to_the_true_value() -> None:
    assert lab.chi_square_critical(40) == pytest.approx(63.691, rel=2e-3)
    assert lab.chi_square_critical(100) == pytest.approx(135.807, rel=2e-3)
    with pytest.raises(ValueError):
        lab.chi_square_critical(0)


def test_chi_square_pools_rare_bins_and_computes_pearsons_statistic() -> None:
    test = lab.chi_square([50, 30, 15, 3, 2], [0.5, 0.3, 0.15, 0.03, 0.02], list("abcde"))
    assert test is not None
    assert test.bins == ("a", "b", "c", "2 rarer tokens")
    assert test.expected == pytest.approx((50, 30, 15, 5))
    assert test.statistic == pytest.approx(0.0) and test.df == 3
    assert test.consistent

    skewed = lab.chi_square([90, 5, 5], [0.5, 0.3, 0.2], list("abc"))
    assert skewed is not None
    expected = (90 - 50) ** 2 / 50 + (5 - 30) ** 2 / 30 + (5 - 20) ** 2 / 20
    assert skewed.statistic == pytest.approx(expected)
    assert not skewed.consistent


def test_chi_square_small_pool_joins_the_smallest_bin_and_impossible_draws_fail() -> None:
    test = lab.chi_square([60, 36, 2, 2], [0.6, 0.36, 0.02, 0.02], list("abcd"))
    assert test is not None
    assert test.bins == ("a", "b + 2 rarer")
    assert test.expected == pytest.approx((60, 40))
    impossible = lab.chi_square([50, 45, 5], [0.5, 0.5, 0.0], list("abc"))
    assert impossible is not None and math.isinf(impossible.statistic)
    assert not impossible.consistent
    assert lab.chi_square([10, 0], [1.0, 0.0], list("ab")) is None  # one bin: nothing to test
    assert lab.chi_square([0, 0], [0.5, 0.5], list("ab")) is None


def test_local_seeded_draws_fit_the_prediction(dist) -> None:
    """The pipeline's own draw over the Lab's logits matches the Lab's prediction."""
    settings = lab.LabSettings(temperature=0.8, top_p=0.95, logit_bias={3: 1.0})
    shaped = lab.reshape(dist, settings)
    logits = np.log([c.prob for c in dist.candidates])
    params = settings.sampling_params()
    drawn = [
        (None, IDS[sampling.sample(logits, params, {}, sampling.make_generator(seed))])
        for seed in range(2000)
    ]
    counted = lab.tally(dist, drawn)
    result = lab.compare(shaped, counted)
    assert result.test is not None and result.test.consistent, result.summary
    # and a wrong prediction is caught
    wrong = lab.reshape(dist, lab.LabSettings(temperature=1.5))
    assert not lab.compare(wrong, counted).test.consistent


def test_compare_summaries_and_rows(dist) -> None:
    shaped = lab.reshape(dist, lab.LabSettings(top_p=0.8))
    counted = lab.Tally(np.array([60, 25, 15, 0, 0]), other=3)
    result = lab.compare(shaped, counted)
    assert result.draws == 103 and result.matched == 100
    assert "fit the prediction" in result.summary
    assert "3 of 103 draws were none of the Lab's 5 candidates" in result.summary
    rows = lab.comparison_rows(shaped, counted)
    assert [r["token"] for r in rows] == ["␣green", "␣yellow", "␣red"]  # cut and never drawn
    assert rows[0]["observed"] == pytest.approx(0.6)
    assert rows[0]["predicted"] == pytest.approx(0.5 / 0.85)

    drawn_cut = lab.Tally(np.array([60, 25, 10, 5, 0]), other=0)
    assert "says is impossible" in lab.compare(shaped, drawn_cut).summary
    assert "Too few draws" in lab.compare(shaped, lab.Tally(np.zeros(5, int), 0)).summary


def test_guess_feedback(dist) -> None:
    shaped = lab.reshape(dist, lab.LabSettings())
    assert lab.guess_feedback(shaped, 0, 40) == (
        "You guessed ␣green at 40 %; the pipeline predicts 50 %."
    )
    counted = lab.Tally(np.array([30, 10, 5, 5, 0]), other=0)
    assert lab.guess_feedback(shaped, 0, 40, counted).endswith(
        "; the real draws gave 60 % (30 of 50)."
    )
