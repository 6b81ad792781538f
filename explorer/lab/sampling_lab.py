"""The Sampling Lab's logic: one real next-token distribution, reshaped by the engine's pipeline.

The Lab takes the candidates of one position, as an endpoint reported them:

    from_explain(position)        the embedded engine's `explain` extension: token ids,
                                  texts and raw probabilities of the top candidates
    from_top_logprobs(entry)      `top_logprobs` of any endpoint: texts and raw logprobs

and reshapes them with `explorer.sampling.trace`, the very function the engine
uses to report its own steps, for the learner's temperature, top_p, penalties
(with a chosen count of earlier occurrences) and logit_bias. The candidates'
log-probabilities serve as logits: a model's logits differ from its
log-probabilities by one constant shared by every token, and no step's result
depends on that constant. The Lab knows only the candidates, so it renormalises
over them: probabilities among the candidates are exact, and top_p, which
adds probabilities up, may cut a little more than the engine does over the
whole vocabulary when the candidates cover less than all of the probability.

Predict, then check: `draw_request` builds a real request (max_tokens 1, one
seed per request, n choices each with its own seeded stream), `tally` counts
which candidate each choice drew, and `compare` sets the observed frequencies
against the prediction with a chi-square test at the 1 % level.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np

from .. import sampling
from ..api.models import (
    ChatCompletion,
    ChatCompletionRequest,
    ChatCompletionTokenLogprob,
    Choice,
    ExplainPosition,
)
from ..views.logprobs import percent, shown_token

__all__ = [
    "CHI2_CRITICAL_1PCT",
    "FETCH_CANDIDATES",
    "LAB_PROMPTS",
    "STEP_LABELS",
    "Candidate",
    "DrawCheck",
    "Formula",
    "LabInputError",
    "LabSettings",
    "NextTokenDistribution",
    "Reshaped",
    "Stage",
    "Tally",
    "check_settings",
    "chi_square",
    "chi_square_critical",
    "compare",
    "comparison_rows",
    "draw_request",
    "drawn_token",
    "fetch_request",
    "formulas",
    "from_completion",
    "from_explain",
    "from_top_logprobs",
    "guess_feedback",
    "plan_draws",
    "reshape",
    "stage_rows",
    "tally",
]

# How many candidates the Lab asks for: the most `top_logprobs` and `explain` allow.
FETCH_CANDIDATES = 20

STEP_LABELS: dict[str, str] = {
    "raw": "1 raw model",
    "logit_bias": "2 + logit_bias",
    "penalties": "3 − penalties",
    "temperature": "4 ÷ temperature",
    "top_p": "5 top_p cut",
}


def _few_shot(question: str, answers: Sequence[str]) -> list[dict[str, str]]:
    messages: list[dict[str, str]] = []
    for answer in answers:
        messages += [
            {"role": "user", "content": question},
            {"role": "assistant", "content": answer},
        ]
    return [*messages, {"role": "user", "content": question}]


# Prompts whose first token has an interesting spread on the embedded base model
# (checked against it): a few earlier answers make the next one a real choice.
LAB_PROMPTS: dict[str, list[dict[str, str]]] = {
    "Pick a colour (a few earlier answers)": _few_shot(
        "Pick a colour.", ["red", "blue", "green", "red", "blue"]
    ),
    "Flip a coin (a few earlier answers)": _few_shot(
        "Flip a coin.", ["heads", "tails", "tails", "heads"]
    ),
    "Which city is the capital of France?": [
        {"role": "user", "content": "Which city is the capital of France?"}
    ],
    "Once upon a time": [{"role": "user", "content": "Once upon a time"}],
}


class LabInputError(ValueError):
    """Raised when a response holds no next-token distribution the Lab can use; says why."""


# ---------------------------------------------------------------- the distribution


@dataclass(frozen=True)
class Candidate:
    """One candidate next token with its raw model logprob (whole vocabulary)."""

    token: str
    logprob: float
    token_id: int | None = None
    bytes: tuple[int, ...] | None = None

    @property
    def prob(self) -> float:
        return math.exp(self.logprob)

    @property
    def shown(self) -> str:
        return shown_token(self.token, self.bytes)


Source = Literal["explain", "top_logprobs"]


@dataclass(frozen=True)
class NextTokenDistribution:
    """The candidates of one position, most likely first."""

    candidates: tuple[Candidate, ...]
    source: Source

    def __post_init__(self) -> None:
        if not self.candidates:
            raise LabInputError("The distribution has no candidates.")

    @property
    def coverage(self) -> float:
        """How much of the model's probability the candidates hold (at most 1)."""
        return min(1.0, math.fsum(c.prob for c in self.candidates))

    @property
    def has_ids(self) -> bool:
        return all(c.token_id is not None for c in self.candidates)

    @property
    def labels(self) -> list[str]:
        """Each candidate's visible text, made unique ("␣Paris", "␣Paris (2)") for pickers."""
        seen: dict[str, int] = {}
        out = []
        for c in self.candidates:
            seen[c.shown] = seen.get(c.shown, 0) + 1
            out.append(c.shown if seen[c.shown] == 1 else f"{c.shown} ({seen[c.shown]})")
        return out

    def index(self, token: str | None, token_id: int | None = None) -> int | None:
        """The candidate a drawn token is: by id when both sides know it, else by text."""
        for i, c in enumerate(self.candidates):
            if token_id is not None and c.token_id is not None:
                if c.token_id == token_id:
                    return i
            elif token is not None and c.token == token:
                return i
        return None


def _sorted(candidates: list[Candidate]) -> tuple[Candidate, ...]:
    return tuple(
        sorted(
            candidates,
            key=lambda c: (-c.logprob, c.token_id if c.token_id is not None else 0),
        )
    )


def from_explain(position: ExplainPosition) -> NextTokenDistribution:
    """The raw step of the engine's `explain` for one position."""
    raw = next((s for s in position.steps if s.name == "raw"), None)
    if raw is None or not raw.token_ids:
        raise LabInputError("This explain entry has no raw step to start from.")
    candidates = []
    for token_id, prob in zip(raw.token_ids, raw.probs, strict=True):
        if prob > 0.0:
            text = position.tokens.get(str(token_id), f"<id {token_id}>")
            candidates.append(Candidate(text, math.log(prob), int(token_id)))
    if not candidates:
        raise LabInputError("Every candidate of this explain entry has probability 0.")
    return NextTokenDistribution(_sorted(candidates), "explain")


def from_top_logprobs(entry: ChatCompletionTokenLogprob) -> NextTokenDistribution:
    """The `top_logprobs` of one position (any endpoint): texts without ids."""
    seen: set[str] = set()
    candidates = []
    for alt in entry.top_logprobs:
        if alt.token in seen or not math.isfinite(alt.logprob):
            continue
        seen.add(alt.token)
        candidates.append(
            Candidate(alt.token, alt.logprob, None, tuple(alt.bytes) if alt.bytes else None)
        )
    if not candidates:
        raise LabInputError(
            "This position has no top_logprobs: ask for logprobs with top_logprobs of 2 or more."
        )
    return NextTokenDistribution(_sorted(candidates), "top_logprobs")


def from_completion(
    completion: ChatCompletion, choice: int = 0, position: int = 0
) -> NextTokenDistribution:
    """The distribution at `position` of a choice: `explain` when present, else top_logprobs."""
    found = next((c for c in completion.choices if c.index == choice), None)
    if found is None:
        raise LabInputError(f"The response has no choice {choice}.")
    if found.explain and len(found.explain) > position:
        return from_explain(found.explain[position])
    content = found.logprobs.content if found.logprobs is not None else None
    if content is None:
        raise LabInputError(
            "This endpoint sent no logprobs, so the Lab has no distribution to work on. "
            "Connect to an endpoint that supports logprobs (the embedded engine, OpenAI, "
            "vLLM, llama.cpp's server)."
        )
    if len(content) <= position:
        raise LabInputError(
            "The answer ended before this position (the model may have stopped at once): "
            "try another prompt."
        )
    return from_top_logprobs(content[position])


def fetch_request(
    model: str, messages: list[dict[str, Any]], *, explain: bool
) -> ChatCompletionRequest:
    """The one request that fetches the distribution of the first answer token."""
    fields: dict[str, Any] = {
        "model": model,
        "messages": messages,
        "max_tokens": 1,
        "temperature": 0,  # the reported candidates are raw anyway; greedy keeps them the top ones
        "logprobs": True,
        "top_logprobs": FETCH_CANDIDATES,
    }
    if explain:
        fields["explain"] = FETCH_CANDIDATES
    return ChatCompletionRequest.model_validate(fields)


# ---------------------------------------------------------------- reshaping


@dataclass(frozen=True)
class LabSettings:
    """The learner's knobs; token-level ones are keyed by candidate index."""

    temperature: float = 1.0
    top_p: float = 1.0
    frequency_penalty: float = 0.0
    presence_penalty: float = 0.0
    counts: Mapping[int, int] = field(default_factory=dict)  # earlier occurrences
    logit_bias: Mapping[int, float] = field(default_factory=dict)

    def sampling_params(self) -> sampling.SamplingParams:
        return sampling.SamplingParams(
            temperature=self.temperature,
            top_p=self.top_p,
            frequency_penalty=self.frequency_penalty,
            presence_penalty=self.presence_penalty,
            logit_bias=dict(self.logit_bias),
        )


@dataclass(frozen=True, eq=False)
class Stage:
    """The candidates after one step, in candidate order."""

    name: str
    label: str
    logits: np.ndarray  # -inf where a token can no longer be drawn
    probs: np.ndarray  # renormalised over the candidates


@dataclass(frozen=True, eq=False)
class Reshaped:
    distribution: NextTokenDistribution
    settings: LabSettings
    stages: tuple[Stage, ...]
    kept: tuple[int, ...]  # candidates that can be drawn, most likely first
    cut: tuple[int, ...]  # candidates top_p removed, most likely first

    @property
    def final(self) -> np.ndarray:
        return self.stages[-1].probs

    @property
    def greedy(self) -> bool:
        return self.settings.temperature <= sampling.GREEDY_TEMPERATURE

    def stage(self, name: str) -> Stage:
        return next(s for s in self.stages if s.name == name)


def reshape(distribution: NextTokenDistribution, settings: LabSettings) -> Reshaped:
    """The candidates after every step of `explorer.sampling`, for these settings.

    Raises ValueError (with the sampling module's message) for settings it rejects.
    """
    size = len(distribution.candidates)
    for what, keys in (("counts", settings.counts), ("logit_bias", settings.logit_bias)):
        for key in keys:
            if not 0 <= int(key) < size:
                raise ValueError(
                    f"{what} names candidate {key}; there are {size} (0 to {size - 1})"
                )
    logits = np.array([c.logprob for c in distribution.candidates], dtype=np.float64)
    views = sampling.trace(logits, settings.sampling_params(), dict(settings.counts), track=size)
    stages = []
    for view in views:
        order = np.asarray(view.token_ids, dtype=np.intp)
        probs = np.zeros(size)
        probs[order] = view.probs
        values = np.full(size, -np.inf)
        values[order] = view.logits
        stages.append(Stage(view.name, STEP_LABELS.get(view.name, view.name), values, probs))
    final = stages[-1].probs
    before_cut = next((s for s in stages if s.name == "temperature"), stages[-2]).probs
    by_prob = sorted(range(size), key=lambda i: (-before_cut[i], i))
    kept = tuple(i for i in by_prob if final[i] > 0)
    cut = tuple(i for i in by_prob if final[i] == 0 and before_cut[i] > 0)
    return Reshaped(distribution, settings, tuple(stages), kept, cut)


def stage_rows(reshaped: Reshaped, limit: int | None = None) -> list[dict[str, Any]]:
    """Long-form rows (one per candidate and step) for the pipeline chart.

    `limit` keeps the candidates that are most likely at some step (a cut or
    biased token stays visible); the order is the raw ranking.
    """
    labels = reshaped.distribution.labels
    size = len(labels)
    shown = list(range(size))
    if limit is not None and size > limit:
        peak = np.max(np.vstack([s.probs for s in reshaped.stages]), axis=0)
        favoured = set(reshaped.settings.logit_bias) | set(reshaped.settings.counts)
        ranked = sorted(range(size), key=lambda i: (i not in favoured, -peak[i], i))
        shown = sorted(ranked[:limit])
    cut = set(reshaped.cut)
    rows = []
    for order, stage in enumerate(reshaped.stages):
        for rank, i in enumerate(shown):
            status = "cut by top_p" if stage.name == "top_p" and i in cut else ""
            rows.append(
                {
                    "step": stage.label,
                    "step_order": order,
                    "token": labels[i],
                    "rank": rank,
                    "probability": float(stage.probs[i]),
                    "label": percent(float(stage.probs[i])) if stage.probs[i] > 0 else "0",
                    "status": status,
                }
            )
    return rows


# ---------------------------------------------------------------- formulas


@dataclass(frozen=True)
class Formula:
    """One step's formula with the learner's numbers plugged in."""

    step: str
    title: str  # plain text
    latex: str  # for st.latex; numbers and symbols only, never token text
    note: str = ""  # plain text


def _n(x: float, digits: int = 3) -> str:
    if x == -math.inf:
        return r"-\infty"
    text = f"{x:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _term(x: float, digits: int = 3) -> str:
    """A number as an operand: negatives in parentheses."""
    text = _n(x, digits)
    return f"({text})" if text.startswith("-") else text


def formulas(reshaped: Reshaped, focus: int) -> list[Formula]:
    """The formula of each step for candidate `focus`, with the learner's numbers."""
    s = reshaped.settings
    raw, biased, penalised, cooled, final = (
        reshaped.stage(name) for name in ("raw", "logit_bias", "penalties", "temperature", "top_p")
    )
    j = focus
    z0 = raw.logits[j]
    p0 = reshaped.distribution.candidates[j].prob
    out = [
        Formula(
            "raw",
            "Start: the log-probability serves as the logit",
            rf"z_j = \ln p_j = \ln {_n(p0, 4)} = {_n(z0)}",
            "A model's logits and its log-probabilities differ by one constant shared by every "
            "token; no step's result depends on it.",
        )
    ]
    b = float(s.logit_bias.get(j, 0.0))
    z1 = biased.logits[j]
    out.append(
        Formula(
            "logit_bias",
            "1. logit_bias adds the bias of token j",
            rf"z'_j = z_j + b_j = {_n(z0)} + {_term(b)} = {_n(z1)}",
            "" if b else "No bias on this token (b_j = 0).",
        )
    )
    c = int(s.counts.get(j, 0))
    fp, pp = s.frequency_penalty, s.presence_penalty
    z2 = penalised.logits[j]
    out.append(
        Formula(
            "penalties",
            "2. Penalties for earlier occurrences",
            rf"z''_j = z'_j - c_j \cdot \alpha_{{freq}} - [c_j > 0] \cdot \alpha_{{pres}}"
            rf" = {_n(z1)} - {c} \times {_term(fp)} - {1 if c > 0 else 0} \times {_term(pp)}"
            rf" = {_n(z2)}",
            "c_j counts token j among the tokens generated earlier in this completion; the "
            "prompt does not count.",
        )
    )
    t = s.temperature
    if reshaped.greedy:
        out.append(
            Formula(
                "temperature",
                "3. Temperature 0 means greedy",
                rf"p_j = {'1' if cooled.probs[j] > 0 else '0'}"
                rf"\quad(T \le {sampling.GREEDY_TEMPERATURE:g}"
                r"\text{: only the top token remains})",
            )
        )
    else:
        finite = penalised.logits[np.isfinite(penalised.logits)] / t
        top = float(np.max(finite))
        log_denominator = top + math.log(math.fsum(np.exp(finite - top)))
        exponent = z2 / t
        values = ""
        if log_denominator < 700 and exponent < 700:
            values = (
                rf" = \frac{{{_n(math.exp(exponent), 4)}}}{{{_n(math.exp(log_denominator), 4)}}}"
            )
        out.append(
            Formula(
                "temperature",
                "3. Divide by the temperature, then softmax",
                rf"p_j = \frac{{e^{{z''_j / T}}}}{{\sum_k e^{{z''_k / T}}}}"
                rf" = \frac{{e^{{{_n(z2)} / {_n(t, 2)}}}}}{{\sum_k e^{{z''_k / {_n(t, 2)}}}}}"
                rf"{values} = {_n(cooled.probs[j], 4)}",
                "The sum runs over the candidates the Lab knows.",
            )
        )
    out.append(_top_p_formula(reshaped, j))
    return out


def _top_p_formula(reshaped: Reshaped, j: int) -> Formula:
    top_p = reshaped.settings.top_p
    cooled = reshaped.stage("temperature").probs
    final = reshaped.stage("top_p").probs
    if top_p >= 1.0:
        return Formula(
            "top_p", "4. top_p = 1 keeps every token", rf"p'_j = p_j = {_n(final[j], 4)}"
        )
    terms = [cooled[i] for i in reshaped.kept]
    total = math.fsum(terms)
    shown = " + ".join(_n(x, 3) for x in terms[:6]) + (r" + \dots" if len(terms) > 6 else "")
    nucleus = rf"{shown} = {_n(total, 3)} \ge {_n(top_p, 2)}"
    if final[j] > 0:
        kept_sum = _n(total, 3)
        result = (
            rf"p'_j = \frac{{p_j}}{{{kept_sum}}} = \frac{{{_n(cooled[j], 4)}}}{{{kept_sum}}}"
            rf" = {_n(final[j], 4)}"
        )
    else:
        result = r"p'_j = 0 \quad\text{(token j is outside the nucleus)}"
    return Formula(
        "top_p",
        f"4. top_p keeps the {len(terms)} most likely token{'s' if len(terms) != 1 else ''}",
        rf"{nucleus}\qquad {result}",
        "The fewest most likely tokens whose probabilities add up to at least top_p stay; "
        "the rest get probability 0 and the survivors are renormalised.",
    )


# ---------------------------------------------------------------- predict, then check


def plan_draws(total: int, per_request: int, first_seed: int = 0) -> list[tuple[int, int]]:
    """(seed, n) per request: consecutive seeds, n choices each, `total` draws in all."""
    if total < 1 or per_request < 1:
        raise ValueError(
            f"need at least one draw and one choice per request, got {total}, {per_request}"
        )
    plan = []
    seed = first_seed
    left = total
    while left > 0:
        n = min(per_request, left)
        plan.append((seed, n))
        left -= n
        seed += 1
    return plan


def check_settings(
    distribution: NextTokenDistribution, settings: LabSettings
) -> tuple[LabSettings, list[str]]:
    """What a real first-token request can reproduce, and what it cannot (in words)."""
    notes = []
    checked = settings
    penalised = any(settings.counts.values()) and (
        settings.frequency_penalty or settings.presence_penalty
    )
    if penalised:
        notes.append(
            "The real draws cannot show the penalties: they count only tokens generated "
            "earlier in the same completion (never the prompt), and a first token has none. "
            "The prediction the draws are checked against leaves them out."
        )
    checked = replace(checked, counts={})
    if settings.logit_bias and not distribution.has_ids:
        notes.append(
            "This distribution came without token ids (plain top_logprobs), and logit_bias "
            "needs ids: the draws are made without it, and so is their prediction."
        )
        checked = replace(checked, logit_bias={})
    return checked, notes


def draw_request(
    model: str,
    messages: list[dict[str, Any]],
    distribution: NextTokenDistribution,
    settings: LabSettings,
    *,
    seed: int,
    n: int = 1,
    explain: bool = False,
) -> ChatCompletionRequest:
    """One real request for `n` first tokens, with the learner's (checkable) settings.

    `explain` (embedded engine only) makes the reply name each drawn token's id.
    """
    fields: dict[str, Any] = {
        "model": model,
        "messages": messages,
        "max_tokens": 1,
        "temperature": settings.temperature,
        "top_p": settings.top_p,
        "seed": seed,
        "logprobs": True,  # the reply then names the drawn token exactly
    }
    if n > 1:
        fields["n"] = n
    bias = {
        str(distribution.candidates[i].token_id): int(round(b))
        for i, b in settings.logit_bias.items()
        if b and distribution.candidates[i].token_id is not None
    }
    if bias:
        fields["logit_bias"] = bias
    if explain:
        fields["explain"] = 1
    return ChatCompletionRequest.model_validate(fields)


def drawn_token(choice: Choice) -> tuple[str | None, int | None]:
    """The first token a choice drew: (text, id), id only when the engine's explain says it."""
    token_id = choice.explain[0].token_id if choice.explain else None
    content = choice.logprobs.content if choice.logprobs is not None else None
    if content:
        return content[0].token, token_id
    if token_id is not None:
        return None, token_id
    text = choice.message.content
    return (text if text else None), None


@dataclass(frozen=True, eq=False)
class Tally:
    counts: np.ndarray  # draws per candidate
    other: int  # draws that are none of the candidates (or an empty answer)

    @property
    def total(self) -> int:
        return int(self.counts.sum()) + self.other


def tally(
    distribution: NextTokenDistribution, drawn: Sequence[tuple[str | None, int | None]]
) -> Tally:
    counts = np.zeros(len(distribution.candidates), dtype=np.int64)
    other = 0
    for token, token_id in drawn:
        i = distribution.index(token, token_id)
        if i is None:
            other += 1
        else:
            counts[i] += 1
    return Tally(counts, other)


# Upper 1 % points of the chi-square distribution, df 1 to 30.
CHI2_CRITICAL_1PCT: tuple[float, ...] = (
    6.635, 9.210, 11.345, 13.277, 15.086, 16.812, 18.475, 20.090, 21.666, 23.209,
    24.725, 26.217, 27.688, 29.141, 30.578, 32.000, 33.409, 34.805, 36.191, 37.566,
    38.932, 40.289, 41.638, 42.980, 44.314, 45.642, 46.963, 48.278, 49.588, 50.892,
)  # fmt: skip
_Z_99 = 2.326348  # the standard normal's upper 1 % point


def chi_square_critical(df: int) -> float:
    """The value a chi-square statistic with `df` degrees of freedom exceeds 1 % of the time."""
    if df < 1:
        raise ValueError(f"df must be >= 1, got {df}")
    if df <= len(CHI2_CRITICAL_1PCT):
        return CHI2_CRITICAL_1PCT[df - 1]
    h = 2.0 / (9.0 * df)  # Wilson-Hilferty: accurate to about 0.1 % beyond df 30
    return df * (1.0 - h + _Z_99 * math.sqrt(h)) ** 3


@dataclass(frozen=True)
class ChiSquare:
    statistic: float
    df: int
    critical: float
    bins: tuple[str, ...]
    observed: tuple[int, ...]
    expected: tuple[float, ...]

    @property
    def consistent(self) -> bool:
        """True when the draws fit the prediction at the 1 % level."""
        return self.statistic <= self.critical


def chi_square(
    observed: Sequence[int],
    probs: Sequence[float],
    labels: Sequence[str],
    min_expected: float = 5.0,
) -> ChiSquare | None:
    """Pearson's chi-square of counts against probabilities, rare bins pooled.

    Bins expected fewer than `min_expected` times are pooled into one ("other
    tokens"); if that pool is still too small it joins the smallest remaining
    bin. A draw where the prediction says probability 0 makes the statistic
    infinite. None when fewer than two bins remain (nothing to test).
    """
    total = int(sum(observed))
    if total == 0:
        return None
    expected = [p * total for p in probs]
    impossible = any(o > 0 and e == 0 for o, e in zip(observed, expected, strict=True))
    bins: list[tuple[str, int, float]] = []
    pool_o, pool_e, pooled = 0, 0.0, 0
    for label, o, e in zip(labels, observed, expected, strict=True):
        if e >= min_expected:
            bins.append((label, int(o), e))
        elif e > 0:
            pool_o, pool_e, pooled = pool_o + int(o), pool_e + e, pooled + 1
    if pooled:
        if pool_e >= min_expected or not bins:
            bins.append((f"{pooled} rarer token{'s' if pooled != 1 else ''}", pool_o, pool_e))
        else:
            k = min(range(len(bins)), key=lambda i: bins[i][2])
            label, o, e = bins[k]
            bins[k] = (f"{label} + {pooled} rarer", o + pool_o, e + pool_e)
    if len(bins) < 2:
        return None
    df = len(bins) - 1
    statistic = math.inf if impossible else sum((o - e) ** 2 / e for _, o, e in bins)
    return ChiSquare(
        statistic,
        df,
        chi_square_critical(df),
        tuple(b[0] for b in bins),
        tuple(b[1] for b in bins),
        tuple(b[2] for b in bins),
    )


@dataclass(frozen=True)
class DrawCheck:
    """Observed draws against the prediction."""

    draws: int  # all draws
    matched: int  # draws that landed on one of the candidates (the ones compared)
    test: ChiSquare | None
    summary: str


def compare(reshaped: Reshaped, counted: Tally) -> DrawCheck:
    """The draws that landed on a candidate, against the Lab's final distribution."""
    matched = int(counted.counts.sum())
    labels = reshaped.distribution.labels
    test = chi_square([int(x) for x in counted.counts], list(reshaped.final), labels)
    outside = (
        f" {counted.other} of {counted.total} draws were none of the Lab's "
        f"{len(labels)} candidates (tokens it does not know) and are left out."
        if counted.other
        else ""
    )
    dof = ""
    if test is not None:
        dof = f"{test.df} degree{'s' if test.df != 1 else ''} of freedom"
    if test is None:
        summary = "Too few draws (or too few distinct tokens) for a test: draw more." + outside
    elif math.isinf(test.statistic):
        summary = (
            "A token the prediction says is impossible was drawn: the Lab's top_p works on "
            "its candidates only, so it can cut a token the endpoint keeps." + outside
        )
    elif test.consistent:
        summary = (
            f"The draws fit the prediction: chi-square {test.statistic:.1f} with {dof}, below "
            f"{test.critical:.1f}, the value chance exceeds only 1 % of the time." + outside
        )
    else:
        summary = (
            f"The draws do not fit the prediction: chi-square {test.statistic:.1f} with {dof} "
            f"is above {test.critical:.1f}, which chance exceeds only 1 % of the time. Does "
            "the endpoint apply the parameters differently?" + outside
        )
    return DrawCheck(counted.total, matched, test, summary)


def comparison_rows(reshaped: Reshaped, counted: Tally) -> list[dict[str, Any]]:
    """Per candidate: predicted probability and observed frequency (among matched draws)."""
    matched = int(counted.counts.sum())
    labels = reshaped.distribution.labels
    rows = []
    for i, label in enumerate(labels):
        predicted = float(reshaped.final[i])
        count = int(counted.counts[i])
        if predicted == 0 and count == 0:
            continue
        rows.append(
            {
                "token": label,
                "rank": i,
                "predicted": predicted,
                "observed": count / matched if matched else 0.0,
                "count": count,
            }
        )
    return rows


def guess_feedback(
    reshaped: Reshaped, guess: int, guessed_percent: float, counted: Tally | None = None
) -> str:
    """One sentence comparing the learner's guess with the prediction (and the draws)."""
    label = reshaped.distribution.labels[guess]
    predicted = float(reshaped.final[guess])
    text = (
        f"You guessed {label} at {guessed_percent:.0f} %; "
        f"the pipeline predicts {percent(predicted)}"
    )
    if counted is not None and counted.counts.sum():
        matched = int(counted.counts.sum())
        count = int(counted.counts[guess])
        text += f"; the real draws gave {percent(count / matched)} ({count} of {matched})"
    return text + "."
