"""The Sampling Lab against the real engine: same steps, same numbers, same draws.

What is compared, and why it is meaningful
------------------------------------------
The engine's `explain` extension reports, per generated token, the probabilities
of up to ~20 tracked tokens after each pipeline step, normalised over the whole
262,144-token vocabulary. The Lab starts from the raw step of those tracked
tokens and renormalises over them. So:

* logit_bias, penalties and temperature act token by token on the logits, so the
  ratio of two tokens' probabilities after these steps depends only on those two
  tokens. The Lab's probabilities must therefore equal the engine's step
  probabilities renormalised over the tracked tokens, at every position and
  every step. This catches a wrong formula, a wrong order (bias or penalties
  after temperature give other ratios) and wrong counts.
* top_p adds probabilities up, so the Lab (which renormalises) can cut more
  than the engine. With m the tracked tokens' mass after temperature and c the
  engine's cumulative probability just before its last kept token, the Lab keeps
  exactly the engine's nucleus when the nucleus is entirely tracked and
  c < top_p * m. The test computes that condition from the engine's own numbers,
  compares kept sets and final probabilities where it holds, and checks the Lab
  never keeps a token the engine cuts.
* Draws: 504 real first tokens (63 requests, n = 8, seeds 0..62, each choice its
  own seeded stream) against the engine's explain probabilities of that
  position, by a chi-square test with rare tokens pooled, against a hard-coded
  critical value.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import httpx
import numpy as np
import pytest

from explorer import sampling_lab as lab
from explorer.api import ChatCompletion, ExplainPosition

pytestmark = pytest.mark.engine

LA = [{"role": "user", "content": "la la la la la la la la"}]
COLOUR = lab.LAB_PROMPTS["Pick a colour (a few earlier answers)"]
RTOL = 1e-4  # the engine works in float32

# Upper 1 % points of chi-square, df 1..10 (any statistics table).
CRITICAL_1PCT = {
    1: 6.635,
    2: 9.210,
    3: 11.345,
    4: 13.277,
    5: 15.086,
    6: 16.812,
    7: 18.475,
    8: 20.090,
    9: 21.666,
    10: 23.209,
}


def token_id(engine_root: str, text: str) -> int:
    ids = httpx.post(f"{engine_root}/tokenize", json={"content": text}, timeout=30).json()["tokens"]
    assert len(ids) == 1, f"{text!r} is {len(ids)} tokens"
    return int(ids[0])


def completion(chat, body: dict) -> ChatCompletion:
    response = chat(body)
    assert response.status_code == 200, response.text
    return ChatCompletion.model_validate(response.json())


def steps(position: ExplainPosition) -> dict[str, dict[int, float]]:
    return {s.name: dict(zip(s.token_ids, s.probs, strict=True)) for s in position.steps}


def lab_inputs(
    position: ExplainPosition, earlier: list[int], bias: dict[int, int], body: dict
) -> tuple[lab.NextTokenDistribution, lab.LabSettings]:
    """The Lab's distribution and settings for one position of an engine request."""
    dist = lab.from_explain(position)
    index = {c.token_id: i for i, c in enumerate(dist.candidates)}
    counts: dict[int, int] = {}
    for t in earlier:
        if t in index:
            counts[index[t]] = counts.get(index[t], 0) + 1
    settings = lab.LabSettings(
        temperature=body["temperature"],
        top_p=body["top_p"],
        frequency_penalty=body.get("frequency_penalty", 0.0),
        presence_penalty=body.get("presence_penalty", 0.0),
        counts=counts,
        logit_bias={index[t]: float(b) for t, b in bias.items() if t in index},
    )
    return dist, settings


def nucleus_check(engine: dict[str, dict[int, float]], top_p: float) -> tuple[bool, bool]:
    """(the nucleus is entirely tracked, the Lab's renormalised cut must equal the engine's)."""
    cooled, final = engine["temperature"], engine["top_p"]
    kept = [t for t, p in final.items() if p > 0]
    tracked = math.isclose(sum(final[t] for t in kept), 1.0, abs_tol=1e-6)
    ranked = sorted(cooled, key=lambda t: -cooled[t])
    before_last = sum(cooled[t] for t in ranked[: len(kept) - 1])
    return tracked, tracked and before_last < top_p * sum(cooled.values())


def test_lab_steps_equal_the_engines_at_every_position(chat, engine_root) -> None:
    la, newline = token_id(engine_root, " la"), token_id(engine_root, "\n")
    bias = {la: 1, newline: -2}
    body = {
        "messages": LA,
        "max_tokens": 16,
        "temperature": 0.6,
        "top_p": 0.8,
        "frequency_penalty": 0.3,
        "presence_penalty": 0.2,
        "logit_bias": {str(t): b for t, b in bias.items()},
        "seed": 3,
        "explain": 20,
    }
    positions = completion(chat, body).choices[0].explain
    assert positions is not None and len(positions) == 16
    earlier: list[int] = []
    penalised = biased = exact_cuts = 0
    for position in positions:
        engine = steps(position)
        dist, settings = lab_inputs(position, earlier, bias, body)
        shaped = lab.reshape(dist, settings)
        ids = [c.token_id for c in dist.candidates]
        assert set(ids) == set(engine["raw"])  # the Lab works on exactly the tracked tokens
        for name in ("raw", "logit_bias", "penalties", "temperature"):
            theirs = np.array([engine[name][t] for t in ids])
            assert shaped.stage(name).probs == pytest.approx(
                theirs / theirs.sum(), rel=RTOL, abs=1e-12
            ), (name, position.token_id)
        tracked, comparable = nucleus_check(engine, body["top_p"])
        lab_kept = {ids[i] for i in shaped.kept}
        engine_kept = {t for t, p in engine["top_p"].items() if p > 0}
        if tracked:
            assert lab_kept <= engine_kept  # renormalising can only cut more
        if comparable:
            exact_cuts += 1
            assert lab_kept == engine_kept
            theirs = np.array([engine["top_p"][t] for t in ids])
            assert shaped.final == pytest.approx(theirs, rel=RTOL, abs=1e-12)
        penalised += any(settings.counts.values())
        biased += bool(settings.logit_bias)
        earlier.append(position.token_id)
    # The comparison exercised every step, not only the defaults.
    assert penalised >= 10 and biased == len(positions) and exact_cuts >= 10


def test_lab_top_p_cut_equals_the_engines_on_a_wide_distribution(chat, engine_root) -> None:
    red = token_id(engine_root, " red")
    checked = 0
    # Where the nucleus ends depends on the CPU's numbers: check every cut of a grid
    # that falls clearly inside the distribution, and require several.
    for top_p in (0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9):
        body = {
            "messages": COLOUR,
            "max_tokens": 1,
            "temperature": 1.1,
            "top_p": top_p,
            "logit_bias": {str(red): 1},
            "seed": 0,
            "explain": 20,
        }
        positions = completion(chat, body).choices[0].explain
        assert positions
        engine = steps(positions[0])
        tracked, comparable = nucleus_check(engine, top_p)
        if not comparable:
            continue
        dist, settings = lab_inputs(positions[0], [], {red: 1}, body)
        shaped = lab.reshape(dist, settings)
        ids = [c.token_id for c in dist.candidates]
        kept = [ids[i] for i in shaped.kept]
        if len(kept) < 2:
            continue  # greedy in effect: no cut inside the distribution to compare
        assert set(kept) == {t for t, p in engine["top_p"].items() if p > 0}, top_p
        assert shaped.final == pytest.approx([engine["top_p"][t] for t in ids], rel=RTOL, abs=1e-12)
        checked += 1
    assert checked >= 3, "too few top_p cuts fell inside this prompt's distribution"


def test_504_seeded_draws_match_the_predicted_distribution(chat, engine_root, model_id) -> None:
    red = token_id(engine_root, " red")
    settings = {
        "messages": COLOUR,
        "max_tokens": 1,
        "temperature": 1.2,
        "top_p": 0.9,
        "logit_bias": {str(red): 1},
    }
    # The prediction: the engine's own explain probabilities of the first position,
    # after top_p; the whole nucleus is among the tracked tokens.
    explained = completion(chat, settings | {"seed": 0, "explain": 20}).choices[0].explain
    assert explained
    predicted = {t: p for t, p in steps(explained[0])["top_p"].items() if p > 0}
    assert math.isclose(sum(predicted.values()), 1.0, abs_tol=1e-6)
    assert len(predicted) >= 5

    # 63 requests x n = 8, the Lab's own request builder: each choice has its own seeded stream.
    dist = lab.from_explain(explained[0])
    lab_settings = lab.LabSettings(
        temperature=settings["temperature"],
        top_p=settings["top_p"],
        logit_bias={i: 1.0 for i, c in enumerate(dist.candidates) if c.token_id == red},
    )
    requests = [
        lab.draw_request(model_id, COLOUR, dist, lab_settings, seed=seed, n=n, explain=True)
        for seed, n in lab.plan_draws(504, 8)
    ]
    assert len(requests) == 63 and requests[0].payload()["logit_bias"] == {str(red): 1}
    # Two at a time: identical prompts waiting together share one prefill in the engine.
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(lambda r: completion(chat, r.payload()), requests))
    drawn: list[int] = []
    for answer in answers:
        for choice in answer.choices:
            _, token = lab.drawn_token(choice)
            assert token is not None
            drawn.append(token)
    assert len(drawn) == 504
    assert set(drawn) <= set(predicted), "a token outside the top_p nucleus was drawn"

    # Pearson's chi-square, tokens expected fewer than 5 times pooled into one bin.
    total = len(drawn)
    bins = [(drawn.count(t), total * p) for t, p in predicted.items() if total * p >= 5]
    rare = [(drawn.count(t), total * p) for t, p in predicted.items() if total * p < 5]
    if rare:
        bins.append((sum(o for o, _ in rare), sum(e for _, e in rare)))
    assert all(e >= 5 for _, e in bins) and len(bins) >= 5
    statistic = sum((o - e) ** 2 / e for o, e in bins)
    df = len(bins) - 1
    print(f"chi-square {statistic:.2f} with {df} df; 1 % critical value {CRITICAL_1PCT[df]}")
    assert statistic < CRITICAL_1PCT[df]
    # The Lab's own test, given the same prediction, agrees.
    ids = list(predicted)
    test = lab.chi_square([drawn.count(t) for t in ids], [predicted[t] for t in ids], ids)
    assert test is not None and test.consistent
    assert test.statistic == pytest.approx(statistic, rel=1e-9)
