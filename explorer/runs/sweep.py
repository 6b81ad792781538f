"""Sweeps: one parameter over a range, k samples at each value, measured.

    sweep = Sweep(base={"messages": [...], "max_tokens": 30}, param="temperature",
                  start=0, stop=2, steps=9, samples=3)
    result = run_sweep(client, sweep, model)     # every request through explorer.runs.compare
    result.points                                # one row per value: the charts' data
    result.samples                               # one row per generated text
    to_csv(result.points), to_json(sweep, result)

The k samples at a value are either k requests with seeds seed, seed+1, ...
(`mode="seeds"`) or one request with `n=k` and one seed (`mode="n"`). Every
request asks for logprobs, so the mean logprob can be measured; reporting
logprobs does not change the text. Requests run a few at a time through the
same runner as Compare (`explorer.runs.compare.stream_variants`).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..api.catalog import PARAMS, param
from ..api.models import ChatCompletionRequest
from ..api.sentences import request_problems, spec_problems
from ..http.client import ChatClient
from .bounds import SWEEP_LIMITS, check_request
from .compare import SpecError, VariantResult, stream_variants
from .metrics import distinct_n, mean, perplexity, unique_share

__all__ = [
    "OWNED_PARAMS",
    "SWEEP_PARAMS",
    "Sweep",
    "SweepJob",
    "SweepResult",
    "default_sweep",
    "parse_sweep",
    "run_sweep",
    "sweep_rows",
    "to_csv",
    "to_json",
]

# Parameters a sweep can vary: numbers with a range in the catalog.
SWEEP_PARAMS = ("temperature", "top_p", "frequency_penalty", "presence_penalty")
SweepParam = Literal["temperature", "top_p", "frequency_penalty", "presence_penalty"]


# Set by the sweep itself (with the swept parameter), so the base may not set them.
OWNED_PARAMS = ("seed", "n", "stream", "stream_options")
_SETTABLE = frozenset(PARAMS) - {"model"}
_SEED_BOUND = SWEEP_LIMITS.request.max_abs_seed


class Sweep(BaseModel):
    """One parameter from `start` to `stop` in `steps` values, `samples` texts at each."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    model: str = Field(default="", max_length=200)
    base: dict[str, Any] = Field(default_factory=dict)
    param: SweepParam = "temperature"
    start: float = 0.0
    stop: float = 2.0
    steps: int = Field(default=9, ge=SWEEP_LIMITS.min_steps, le=SWEEP_LIMITS.max_steps)
    samples: int = Field(default=3, ge=1, le=SWEEP_LIMITS.max_samples)
    mode: Literal["seeds", "n"] = "seeds"
    seed: int = Field(default=7, ge=-_SEED_BOUND, le=_SEED_BOUND - SWEEP_LIMITS.max_samples)

    @model_validator(mode="after")
    def _valid(self) -> Sweep:
        problems: list[str] = []
        p = param(self.param)
        low, high = p.minimum, p.maximum
        for name, value in (("start", self.start), ("stop", self.stop)):
            if low is not None and high is not None and not low <= value <= high:
                problems.append(f"{name} must be within {self.param}'s range {p.range_text}")
        if not self.start < self.stop:
            problems.append(f"start ({self.start}) must be below stop ({self.stop})")
        if self.steps * self.samples > SWEEP_LIMITS.max_generations:
            problems.append(
                f"steps x samples is {self.steps * self.samples}, more than the "
                f"{SWEEP_LIMITS.max_generations} texts a sweep may generate"
            )
        unknown = sorted(set(self.base) - _SETTABLE)
        if unknown:
            problems.append(f"base: {', '.join(repr(k)[:30] for k in unknown[:3])} cannot be set")
        owned = sorted(set(self.base) & {*OWNED_PARAMS, self.param})
        if owned:
            problems.append(
                f"base: {', '.join(owned)} is set by the sweep itself, so leave it out of the base"
            )
        if problems:
            raise ValueError("\n".join(problems))
        for job in self.jobs(self.model or "model"):
            problems.extend(check_request(job.request.payload(), SWEEP_LIMITS.request))
        if problems:
            raise ValueError("\n".join(dict.fromkeys(problems)))
        return self

    def values(self) -> list[float]:
        """The swept values, evenly spaced from start to stop (rounded to 6 places)."""
        span = self.stop - self.start
        return [round(self.start + span * i / (self.steps - 1), 6) for i in range(self.steps)]

    def jobs(self, model: str) -> list[SweepJob]:
        """Every request the sweep sends, in value order."""
        base = dict(self.base)
        base.setdefault("logprobs", True)
        jobs: list[SweepJob] = []
        for value in self.values():
            if self.mode == "n":
                fields = {self.param: value, "seed": self.seed}
                if self.samples > 1:
                    fields["n"] = self.samples
                jobs.append(SweepJob(value, [self.seed], _request(model, base, fields)))
            else:
                for k in range(self.samples):
                    seed = self.seed + k
                    fields = {self.param: value, "seed": seed}
                    jobs.append(SweepJob(value, [seed], _request(model, base, fields)))
        return jobs

    def canonical(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def _request(model: str, base: dict[str, Any], fields: dict[str, Any]) -> ChatCompletionRequest:
    try:
        return ChatCompletionRequest.model_validate({"model": model, **base, **fields}, strict=True)
    except ValidationError as exc:
        raise ValueError("\n".join(request_problems(exc))) from None


@dataclass(frozen=True)
class SweepJob:
    """One request of a sweep: the swept value and the seed(s) of its samples."""

    value: float
    seeds: list[int]
    request: ChatCompletionRequest


def parse_sweep(data: Any) -> Sweep:
    """A validated Sweep from plain data; raises SpecError with sentences."""
    try:
        return Sweep.model_validate(data)
    except ValidationError as exc:
        raise SpecError(spec_problems(exc, Sweep)) from None
    except (RecursionError, TypeError) as exc:
        raise SpecError([f"The sweep cannot be read ({type(exc).__name__})."]) from None


def default_sweep() -> Sweep:
    """Temperature 0 to 2 in 9 steps, 3 seeds each, on the catalog's story prompt."""
    demo = param("temperature").demo
    messages = demo.base["messages"] if demo else [{"role": "user", "content": "Once upon a time"}]
    return Sweep(base={"messages": messages, "max_tokens": 30})


# ---------------------------------------------------------------- results


@dataclass
class SweepResult:
    """The sweep's table: one row per text (`samples`) and one per value (`points`)."""

    param: str
    samples: list[dict[str, Any]]
    points: list[dict[str, Any]]
    results: list[VariantResult] = field(default_factory=list)


def sweep_rows(
    sweep: Sweep, jobs: Sequence[SweepJob], results: Sequence[VariantResult]
) -> SweepResult:
    """The sweep's tables from its jobs and their results (in job order)."""
    samples: list[dict[str, Any]] = []
    for job, result in zip(jobs, results, strict=True):
        if not result.ok:
            samples.append(
                {
                    "value": job.value,
                    "sample": len([s for s in samples if s["value"] == job.value]),
                    "seed": job.seeds[0],
                    "choice": 0,
                    "text": "",
                    "finish_reason": None,
                    "tokens": None,
                    "mean_logprob": None,
                    "perplexity": None,
                    "repetition": None,
                    "latency_s": result.latency_s,
                    "system_fingerprint": None,
                    "error": " ".join(filter(None, [result.headline, result.error])),
                }
            )
            continue
        for choice in result.choices:
            tokens = choice.tokens
            if tokens is None and len(result.choices) == 1 and result.usage:
                tokens = result.usage.get("completion_tokens")
            samples.append(
                {
                    "value": job.value,
                    "sample": len([s for s in samples if s["value"] == job.value]),
                    "seed": job.seeds[0],
                    "choice": choice.index,
                    "text": choice.text,
                    "finish_reason": choice.finish_reason,
                    "tokens": tokens,
                    "mean_logprob": choice.mean_logprob,
                    "perplexity": choice.perplexity,
                    "repetition": choice.repetition,
                    "latency_s": result.latency_s,
                    "system_fingerprint": result.system_fingerprint,
                    "error": None,
                }
            )
    points: list[dict[str, Any]] = []
    for value in sweep.values():
        rows = [s for s in samples if s["value"] == value]
        good = [s for s in rows if s["error"] is None]
        texts = [s["text"] for s in good]
        token_counts = [s["tokens"] for s in good if s["tokens"] is not None]
        weighted = [(s["mean_logprob"], s["tokens"]) for s in good if s["mean_logprob"] is not None]
        total = sum(t or 0 for _, t in weighted)
        pooled = sum(m * (t or 0) for m, t in weighted) / total if total else None
        points.append(
            {
                "value": value,
                "samples": len(good),
                "distinct_2": distinct_n(texts, 2),
                "unique_share": unique_share(texts),
                "mean_tokens": mean(token_counts),
                "mean_logprob": pooled,
                "perplexity": perplexity(pooled),
                "repetition": mean(s["repetition"] for s in good),
                "errors": len(rows) - len(good),
            }
        )
    return SweepResult(sweep.param, samples, points, list(results))


def run_sweep(
    client: ChatClient,
    sweep: Sweep,
    model: str,
    *,
    on_progress: Callable[[int, int], None] | None = None,
    on_retry: Callable[[str], None] | None = None,
    embedded: bool = False,
) -> SweepResult:
    """Send every request of the sweep (a few at a time) and measure the answers.

    `on_progress(done, total)` is called in the caller's thread after each
    request, `on_retry(notice)` before a request is retried (busy endpoint).
    """
    jobs = sweep.jobs(model)
    results: dict[int, VariantResult] = {}
    with closing(
        stream_variants(
            client,
            [job.request for job in jobs],
            max_workers=SWEEP_LIMITS.max_concurrency,
            stream_by_default=False,
            embedded=embedded,
        )
    ) as events:
        for event in events:
            if event.kind == "retry" and on_retry is not None:
                on_retry(event.text)
            if event.kind == "done" and event.result is not None:
                results[event.variant] = event.result
                if on_progress is not None:
                    on_progress(len(results), len(jobs))
    return sweep_rows(sweep, jobs, [results[i] for i in range(len(jobs))])


# ---------------------------------------------------------------- export


def to_csv(rows: Sequence[dict[str, Any]]) -> str:
    """Rows as CSV with a header line (the keys of the first row); "" for no rows."""
    if not rows:
        return ""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return out.getvalue()


def _finite(value: Any) -> Any:
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None
    return value


def to_json(sweep: Sweep, result: SweepResult, *, model: str = "") -> str:
    """The sweep and both tables as one JSON document (strict JSON: no NaN or Infinity)."""
    doc = {
        "sweep": sweep.canonical(),
        "model": model or sweep.model,
        "parameter": result.param,
        "points": [{k: _finite(v) for k, v in row.items()} for row in result.points],
        "samples": [{k: _finite(v) for k, v in row.items()} for row in result.samples],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False)
