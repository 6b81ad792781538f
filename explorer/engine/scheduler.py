"""Runs every active sequence on one llama.cpp context, a token at a time, fairly.

One thread owns the model and does all its computing (`_start_thread`). Each
round advances every decoding sequence by one token, in groups of 1..7 rows of
consecutive sequences (one forward pass each, see `_due`) whose sizes come from
costs measured on this machine (`decode_costs.py`); when answers end, the
highest decoding ones move down into the sequences they freed (`_compact`).
Between two groups, waiting prompts are evaluated one fixed chunk at a time,
for up to `PREFILL_SHARE` times the group's own time: a class that presses Run
together gets first tokens within a few groups, while the learners already
answering keep streaming. The prompt with the fewest tokens left goes first, so
a long prompt or an n=8 request does not hold up a short one behind it; jobs
are admitted in arrival order. A choice that has shown no text yet goes first
in every group until it does (`CATCH_UP_TOKENS`), so its learner sees words
within a few groups.

With `--prompt-cache`, a prompt admitted on a quiet engine starts from the
longest prefix the cache holds (`prompt_cache.py`, `_quiet`); a prompt's
chunks never cross a part boundary either way. Jobs with exactly the prompt of one under way (a
comparison's variants, a class's shared preset) wait for its cells and
share its evaluation. Decode batches never hold more than `MAX_DECODE_ROWS` rows
and never mix prompt rows with decode rows, so a sequence's numbers are the
same whether it runs alone, beside its comparison variants, or among other
learners' requests; a prompt is always evaluated in the same chunks. With the
per-request seeded generator, the same request gives the same bytes.

Jobs talk to their HTTP handler through `emit` callbacks (called on this
thread; the handler may hold events until the next `flush`) and a `cancel()`
flag (set from any thread).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import sampling
from .decode_costs import DecodeCosts, calibrate
from .events import ChoiceFinished, Event, JobDone, JobFailed, StopReason, TokenInfo, TokensDelta
from .model import LlamaModel, Row
from .prompt_cache import PromptCache
from .textstream import Delta, Screen, TextStream

if TYPE_CHECKING:
    from .constraints import Matcher

log = logging.getLogger(__name__)

__all__ = ["Job", "JobSpec", "Scheduler", "QueueFull"]


# While prompts wait, they get up to this many times the decode time between
# two decode groups: about two thirds of the machine until every learner has a first token.
PREFILL_SHARE = 2.0
# With nothing decoding, prompts are evaluated for this long before the loop
# looks at cancellations and new arrivals again.
PREFILL_SLICE = 0.1
# A choice that has shown no text yet is decoded in every group, up to this many
# tokens, instead of once a round: a learner who just pressed Run sees words
# within a few groups rather than a few rounds (a round of 60 rows takes half a
# second on 2 cores). The first text often needs three tokens: the space after
# "Assistant:", then a word held until it is complete (content filter).
CATCH_UP_TOKENS = 4


class QueueFull(Exception):
    """Raised by `Scheduler.submit` when the waiting line is full."""


@dataclass(frozen=True)
class JobSpec:
    """What one request asks the model to do (validated by the server)."""

    prompt: list[int]
    n: int
    max_new_tokens: int
    stops: tuple[str, ...]
    params: sampling.SamplingParams
    seed: int | None
    top_logprobs: int | None  # None: no logprobs at all
    explain: int = 0
    grammar: str | None = None  # llguidance grammar for structured outputs and tool calls
    # Token offsets where the prompt's parts start: evaluation chunks never cross one.
    boundaries: tuple[int, ...] = ()
    keep: tuple[int, ...] = ()  # the boundaries whose prefixes the prompt cache should keep
    # The prompt ends with "Assistant:", and the answer's first token carries the
    # space after it: the space is the transcript's, not the answer's.
    trim_space: bool = False
    content_filter: bool = False  # stop a choice where its text turns offensive
    cache_key: str | None = None  # prompt_cache_key: a hint to keep this prompt's prefixes


@dataclass
class _Choice:
    index: int
    seq: int
    rng: np.random.Generator
    stream: TextStream
    pos: int
    next_token: int | None = None
    tokens: list[TokenInfo] = field(default_factory=list)
    counts: dict[int, int] = field(default_factory=dict)
    finished: bool = False
    shown: bool = False  # some of its text has been released
    decoded_in: int = 0  # the last round that decoded it
    matcher: Matcher | None = None  # the choice's place in its grammar, if constrained


class Job:
    def __init__(self, spec: JobSpec, emit: Callable[[Event], None]):
        self.spec = spec
        self.emit = emit
        self.cancelled = threading.Event()
        self.choices: list[_Choice] = []
        self.seqs: list[int] = []  # KV slots held, set before anything can fail
        self.prefilled = 0  # prompt tokens evaluated (or taken from the cache) so far
        self.cached = 0  # prompt tokens taken from the prompt cache
        # Admitted jobs with exactly this prompt: they share its evaluation.
        self.followers: list[Job] = []
        self.submitted = time.monotonic()

    def cancel(self) -> None:
        self.cancelled.set()


class Scheduler:
    """Owns a `LlamaModel`; `submit` jobs from any thread."""

    def __init__(
        self,
        model: LlamaModel,
        *,
        max_waiting: int = 64,
        max_n: int = 8,
        matcher_factory: Callable[[str], Any] | None = None,
        screen_factory: Callable[[], Screen] | None = None,
        costs: DecodeCosts | None = None,
        flush: Callable[[], None] = lambda: None,
    ):
        self.model = model
        # Called after each decode group, prompt chunk and engine step: jobs' `emit`
        # may hold their events until then.
        self._flush = flush
        self.costs: DecodeCosts  # measured on the model thread (`_start_thread`)
        self._matcher_factory = matcher_factory
        self._screen_factory = screen_factory
        self.max_waiting = max_waiting
        self.max_n = min(max_n, model.settings.n_seq_max)
        self._waiting: deque[Job] = deque()
        self._prefilling: list[Job] = []  # admitted, prompt not fully evaluated (leaders only)
        self._active: list[Job] = []
        self._free_seqs = list(range(model.settings.n_seq_max))
        self._round_no = 0
        # Where the model thread's time goes (read by /health, printed by the load script).
        self._work = {
            "busy_seconds": 0.0,
            "decode_seconds": 0.0,
            "decoded_tokens": 0,
            "decode_calls": 0,
            "prompt_seconds": 0.0,
            "prompt_tokens": 0,
            "moves": 0,  # choices moved to a lower sequence (`_compact`)
        }
        self.cache = PromptCache(range(model.settings.n_seq_max, model.n_streams))
        self._cv = threading.Condition()
        self._stop = False
        self._thread = self._start_thread(costs)

    # ------------------------------------------------------------ public

    def submit(self, job: Job) -> None:
        if job.spec.n > self.max_n:
            raise ValueError(f"n is at most {self.max_n} on this engine")
        if len(job.spec.prompt) + job.spec.max_new_tokens > self.model.n_ctx_seq:
            raise ValueError("prompt plus max_tokens exceed a sequence's context")
        with self._cv:
            if len(self._waiting) >= self.max_waiting:
                raise QueueFull(f"{len(self._waiting)} requests are already waiting")
            self._waiting.append(job)
            self._cv.notify()

    @property
    def load(self) -> dict[str, int]:
        with self._cv:
            return {
                "waiting": len(self._waiting),
                "prefilling": len(self._prefilling),
                "active_sequences": sum(len(j.choices) for j in self._active),
                "free_slots": len(self._free_seqs),
                "cached_prefixes": len(self.cache),
            }

    @property
    def work(self) -> dict[str, float]:
        """Seconds the model thread spent working, decoding and evaluating prompts, and tokens."""
        with self._cv:
            return dict(self._work)

    def _count(self, **amounts: float) -> None:
        with self._cv:
            for key, amount in amounts.items():
                self._work[key] += amount

    def close(self) -> None:
        with self._cv:
            self._stop = True
            self._cv.notify()
        self._thread.join(timeout=10)

    # ------------------------------------------------------------ loop

    def _start_thread(self, costs: DecodeCosts | None) -> threading.Thread:
        """Starts the model thread; it calibrates the decode costs (unless given) first.

        Every llama.cpp computation runs on that one thread, calibration
        included. llama.cpp computes with OpenMP, which keeps a team of threads
        for each thread that calls it: two calling threads on 2 cores make more
        OpenMP threads than CPUs, and libgomp then all but stops spinning at its
        barriers, so every decode call sleeps and wakes hundreds of times
        (measured: decode calls 10 to 15% slower).
        """
        ready = threading.Event()
        failure: list[Exception] = []

        def run() -> None:
            try:
                self.costs = costs if costs is not None else calibrate(self.model)
            except Exception as exc:
                failure.append(exc)
                return
            finally:
                ready.set()
            self._run()

        thread = threading.Thread(target=run, name="engine-scheduler", daemon=True)
        thread.start()
        ready.wait()
        if failure:
            raise failure[0]
        return thread

    def _run(self) -> None:
        while True:
            with self._cv:
                # Sleep unless there is work that can move: a waiting job that
                # does not fit yet is woken by `_release`.
                while not self._stop and not (
                    self._prefilling or self._active or self._admissible()
                ):
                    self._cv.wait(timeout=0.5)  # also notices cancelled waiting jobs
                    self._drop_cancelled_waiting()
                if self._stop:
                    return
            started = time.perf_counter()
            try:
                self._drop_cancelled()
                self._admit()
                self._round()
            except Exception as exc:  # fail every running job, keep serving
                log.exception("engine step failed")
                self._fail_all(f"the engine failed: {exc}")
            self._flush()
            self._count(busy_seconds=time.perf_counter() - started)

    def _admissible(self) -> bool:
        return bool(self._waiting) and self._waiting[0].spec.n <= len(self._free_seqs)

    def _admit(self) -> None:
        """Admits waiting jobs in arrival order while their slots are free."""
        while True:
            with self._cv:
                if not self._admissible():
                    return
                job = self._waiting.popleft()
                job.seqs = _take_seqs(self._free_seqs, job.spec.n)
            try:
                self._start(job)
            except Exception as exc:  # e.g. a grammar that does not build: this job alone fails
                log.exception("could not start a job")
                job.emit(JobFailed(f"the engine failed: {exc}"))
                self._release(job)
                continue
            spec = job.spec
            leader = next((j for j in self._prefilling if j.spec.prompt == spec.prompt), None)
            if leader is not None:  # a variant of a prompt being evaluated: wait for its cells
                leader.followers.append(job)
                continue
            self._begin_prefill(job)

    def _begin_prefill(self, job: Job) -> None:
        self._prefilling.append(job)  # from here on, a failure reaches it through _fail_all
        spec = job.spec
        # The cache is used only while no other sequence runs (see `_quiet`). The
        # cached prefix must end before the last part: its logits are needed.
        hit = (
            self.cache.lookup(spec.prompt, [b for b in spec.boundaries if b < len(spec.prompt)])
            if self._quiet(job)
            else None
        )
        if hit is not None:
            self.model.copy_sequence(hit.seq, job.seqs[0])
            job.prefilled = job.cached = hit.length

    def _quiet(self, job: Job | None = None) -> bool:
        """No other sequence holds cells (none decodes, no other prompt is under way):
        the only time the prompt cache copies KV cells.

        Measured with llama-cpp-python 0.3.36: a copy between KV streams made
        while other sequences decode changes later numbers of the sequences
        involved (the same request then samples other text among other
        learners' requests than alone). Copies made on a quiet engine gave
        exactly the numbers of a fresh evaluation on a fresh engine, but not
        always after a long mixed session (tests/engine/test_determinism.py on
        the shared test engine). That is why the cache is off unless the engine
        is started with --prompt-cache, and why it then only copies here.
        """
        return not self._active and all(j is job for j in self._prefilling)

    def _start(self, job: Job) -> None:
        spec = job.spec
        job.choices = [
            _Choice(
                index=i,
                seq=seq,
                rng=sampling.make_generator(spec.seed, i),
                stream=TextStream(
                    spec.stops,
                    self._screen_factory()
                    if spec.content_filter and self._screen_factory
                    else None,
                ),
                pos=len(spec.prompt),
                matcher=self._matcher_factory(spec.grammar)
                if spec.grammar and self._matcher_factory
                else None,
            )
            for i, seq in enumerate(job.seqs)
        ]

    def _round(self) -> None:
        """Advances each decoding sequence by one token; evaluates prompts between groups.

        The rows of each group are chosen afresh: choices that joined during the
        round take part in it, and choices with no text shown yet go first
        (`CATCH_UP_TOKENS`).
        """
        self._round_no += 1
        runs = self._due()
        if not runs:
            self._prefill_for(PREFILL_SLICE)
            runs = self._due()
        while runs:
            group = self._group(runs[0])
            started = time.perf_counter()
            rows = [Row(c.next_token, c.pos, c.seq) for _, c in group]  # type: ignore[arg-type]
            self.model.decode(rows)
            took = time.perf_counter() - started
            self.costs.observe(len(group), took)
            self._count(decode_seconds=took, decoded_tokens=len(group), decode_calls=1)
            for i, (job, c) in enumerate(group):
                c.pos += 1
                c.next_token = None
                c.decoded_in = self._round_no
                self._sample(job, c, self.model.logits(i))
            retired = [self._retire_if_done(j) for j in {id(j): j for j, _ in group}.values()]
            self._flush()
            if any(retired):  # only a release opens a gap
                self._compact()
            if self._waiting or self._prefilling:
                self._admit()
                self._prefill_for(PREFILL_SHARE * (time.perf_counter() - started))
            runs = self._due()

    def _due(self) -> list[list[tuple[Job, _Choice]]]:
        """The choices to decode next in this round, as runs of consecutive sequences.

        llama.cpp evaluates a decode call in one forward pass only while its
        rows' sequences go up one by one (with a KV stream per sequence,
        `split_equal` accepts only the next sequence id into a micro-batch):
        rows of sequences 3, 4, 6 cost two passes, and 6, 5, 4 three
        (`scripts/bench_passes.py`). So a group is taken from one run. Runs
        holding a choice with no text shown yet come first, then by sequence.
        """
        due = sorted(
            (
                (j, c)
                for j in self._active
                for c in j.choices
                if c.next_token is not None and (_young(c) or c.decoded_in < self._round_no)
            ),
            key=lambda jc: jc[1].seq,
        )
        runs: list[list[tuple[Job, _Choice]]] = []
        for jc in due:
            if runs and runs[-1][-1][1].seq + 1 == jc[1].seq:
                runs[-1].append(jc)
            else:
                runs.append([jc])
        runs.sort(key=lambda run: not any(_young(c) for _, c in run))  # stable: by sequence
        return runs

    def _group(self, run: list[tuple[Job, _Choice]]) -> list[tuple[Job, _Choice]]:
        """The next group from `run`: the size the costs plan, from its first young choice on."""
        size = self.costs.explore(len(run)) or self.costs.plan(len(run))[0]
        first_young = next((i for i, (_, c) in enumerate(run) if _young(c)), 0)
        start = max(0, min(first_young, len(run) - size))
        return run[start : start + size]

    def _prefill_for(self, budget: float) -> None:
        """Evaluates prompt chunks for about `budget` seconds (one at least, if a prompt waits)."""
        deadline = time.perf_counter() + budget
        while self._prefilling:
            self._prefill_chunk(min(self._prefilling, key=_tokens_left))
            self._flush()  # first tokens
            if time.perf_counter() >= deadline:
                return

    def _prefill_chunk(self, job: Job) -> None:
        """One fixed-size chunk of `job`'s prompt; on the last one, the first tokens."""
        m = self.model
        spec = job.spec
        lo = job.prefilled
        hi = min([lo + m.settings.n_batch, *(b for b in spec.boundaries if b > lo)])
        chunk = spec.prompt[lo:hi]
        last = hi >= len(spec.prompt)
        seq0 = job.choices[0].seq
        started = time.perf_counter()
        m.decode(
            [Row(t, lo + i, seq0, logits=last and i == len(chunk) - 1) for i, t in enumerate(chunk)]
        )
        self._count(prompt_seconds=time.perf_counter() - started, prompt_tokens=len(chunk))
        job.prefilled = hi
        if hi in spec.keep and self._quiet(job) and not self.cache.holds(spec.prompt[:hi]):
            slot = self.cache.claim(spec.prompt[:hi], key=spec.cache_key)
            if slot is not None:
                m.copy_sequence(seq0, slot)  # its cells are exactly the prefix, now
        if not last:
            return
        self._prefilling.remove(job)
        logits = m.logits(len(chunk) - 1)
        group = [job, *job.followers]
        job.followers = []
        self._active.extend(group)
        for other in group:
            other.prefilled = len(spec.prompt)
            other.cached = job.cached
        self._first_tokens(group, seq0, logits)

    def _first_tokens(self, jobs: list[Job], seq: int, logits: np.ndarray) -> None:
        """Gives each choice of `jobs` the prompt's cells (from sequence `seq`) and its first token.

        Copying the finished prompt's cells and logits gives each the same
        numbers as evaluating the prompt itself, minus the work.
        """
        for job in jobs:
            for c in job.choices:
                if c.seq != seq:
                    self.model.copy_sequence(seq, c.seq)
        for job in jobs:
            for c in job.choices:
                self._sample(job, c, logits)
            self._retire_if_done(job)

    # ------------------------------------------------------------ one token

    def _sample(self, job: Job, c: _Choice, logits: np.ndarray) -> None:
        """Picks the next token of choice `c` from `logits` and reports it."""
        spec = job.spec
        reporting = spec.top_logprobs is not None or bool(spec.explain)
        # A grammar's mask runs first (step 0); reported logprobs stay the raw model's.
        pipeline_input = (
            logits if c.matcher is None else sampling.apply_allowed(logits, c.matcher.allowed())
        )
        if reporting and pipeline_input is logits:
            token, norm = sampling.sample_with_normalizer(logits, spec.params, c.counts, c.rng)
        else:
            token = sampling.sample(pipeline_input, spec.params, c.counts, c.rng)
            norm = sampling.log_softmax_normalizer(logits) if reporting else 0.0
        if reporting:
            info = self._describe(spec, c, pipeline_input, token, norm, raw=logits)
        else:
            info = TokenInfo(token, self.model.token_bytes(token), 0.0, ())
        if spec.trim_space and not c.tokens and info.piece.startswith(b" "):
            info = replace(info, piece=info.piece[1:], trimmed=True)
        c.counts[token] = c.counts.get(token, 0) + 1
        generated = len(c.tokens) + 1
        if self.model.is_end_of_generation(token):
            c.tokens.append(info)
            self._finish(job, c, "stop", c.stream.finish())
            return
        c.tokens.append(info)
        if c.matcher is not None:
            c.matcher.consume(token)
        delta = c.stream.push(info.piece)
        if delta.stopped:
            self._finish(job, c, "stop", delta)
        elif c.matcher is not None and c.matcher.stopped:  # the grammar is complete
            self._finish(job, c, "stop", _join(delta, c.stream.finish()))
        elif generated >= spec.max_new_tokens:
            self._finish(job, c, "length", _join(delta, c.stream.finish()))
        else:
            self._report(job, c, delta)
            c.next_token = token

    def _describe(
        self,
        spec: JobSpec,
        c: _Choice,
        logits: np.ndarray,
        token: int,
        norm: float,
        *,
        raw: np.ndarray,
    ) -> TokenInfo:
        """The token with its raw logprob, top alternatives and (opt-in) pipeline trace.

        `raw` are the model's logits (reported); `logits` the pipeline's input (traced).
        """
        piece = self.model.token_bytes(token)
        top: tuple[tuple[int, float], ...] = ()
        if spec.top_logprobs:
            ids, lps = sampling.top_logprobs(raw, spec.top_logprobs, normalizer=norm)
            top = tuple(zip(ids.tolist(), lps.tolist(), strict=True))
        explain: tuple[sampling.StepView, ...] = ()
        if spec.explain:
            explain = tuple(
                sampling.trace(logits, spec.params, c.counts, track=spec.explain, extra_ids=[token])
            )
        return TokenInfo(token, piece, float(raw[token]) - norm, top, explain)

    def _report(self, job: Job, c: _Choice, delta: Delta) -> None:
        c.shown = c.shown or bool(delta.text)
        if delta.text or delta.tokens:
            job.emit(TokensDelta(c.index, delta.text, tuple(c.tokens[i] for i in delta.tokens)))

    def _finish(self, job: Job, c: _Choice, reason: StopReason, delta: Delta) -> None:
        if delta.filtered:  # the content filter ended it, whatever else would have
            reason = "content_filter"
        self._report(job, c, delta)
        c.finished = True
        job.emit(ChoiceFinished(c.index, reason))

    def _retire_if_done(self, job: Job) -> bool:
        """Reports a finished job and frees its sequences; True if it did."""
        if not all(c.finished for c in job.choices):
            return False
        job.emit(
            JobDone(
                prompt_tokens=len(job.spec.prompt),
                cached_tokens=job.cached,
                completion_tokens=sum(len(c.tokens) for c in job.choices),
            )
        )
        self._release(job)
        return True

    # ------------------------------------------------------------ bookkeeping

    def _compact(self) -> None:
        """Moves the highest decoding choices into free lower sequences.

        Answers end at different times and leave gaps between the sequences
        that decode, and a group is one run of consecutive sequences (`_due`):
        without this, the last half of a class's answers would decode a row or
        two a pass. A move copies the choice's KV stream (llama.cpp copies it
        bit for bit before the next decode, as for a comparison's variants), so
        its numbers stay the same.
        """
        movable = sorted(
            ((j, c) for j in self._active for c in j.choices if not c.finished),
            key=lambda jc: jc[1].seq,
            reverse=True,
        )
        moves = 0
        with self._cv:
            free = self._free_seqs
            for job, c in movable:
                if not free or free[0] > c.seq:
                    break
                seq = free.pop(0)
                self.model.copy_sequence(c.seq, seq)
                self.model.clear_sequence(c.seq)
                free.append(c.seq)
                free.sort()
                job.seqs[c.index] = c.seq = seq
                moves += 1
        if moves:
            self._count(moves=moves)

    def _release(self, job: Job) -> None:
        for seq in job.seqs:
            self.model.clear_sequence(seq)
        if job in self._active:
            self._active.remove(job)
        with self._cv:
            self._free_seqs.extend(job.seqs)
            job.seqs = []
            self._free_seqs.sort()
            self._cv.notify()

    def _drop_cancelled_waiting(self) -> None:
        for job in [j for j in self._waiting if j.cancelled.is_set()]:
            self._waiting.remove(job)

    def _drop_cancelled(self) -> None:
        with self._cv:
            self._drop_cancelled_waiting()
        for job in [j for j in self._prefilling if j.cancelled.is_set()]:
            self._prefilling.remove(job)
            self._release(job)
            self._readmit(job.followers)
        for leader in self._prefilling:
            for job in [j for j in leader.followers if j.cancelled.is_set()]:
                leader.followers.remove(job)
                self._release(job)
        for job in [j for j in self._active if j.cancelled.is_set()]:
            self._release(job)

    def _readmit(self, followers: list[Job]) -> None:
        """Followers of a cancelled prompt: the first evaluates it, for the others too."""
        if not followers:
            return
        leader, *rest = followers
        leader.followers = rest
        self._begin_prefill(leader)

    def _fail_all(self, message: str) -> None:
        followers = [f for j in self._prefilling for f in j.followers]
        jobs = [*self._active, *self._prefilling, *followers]
        self._prefilling = []
        for job in jobs:
            job.emit(JobFailed(message))
            self._release(job)
        self.model.clear_all()
        self.cache.clear()


def _take_seqs(free: list[int], n: int) -> list[int]:
    """Takes `n` sequences from the sorted `free` list: the lowest consecutive ones if
    any, so the job's choices decode in one forward pass (see `Scheduler._due`),
    else the lowest."""
    start = next((i for i in range(len(free) - n + 1) if free[i + n - 1] - free[i] == n - 1), 0)
    taken = free[start : start + n]
    del free[start : start + n]
    return taken


def _young(c: _Choice) -> bool:
    """No text shown yet, and still within the catch-up."""
    return not c.shown and len(c.tokens) < CATCH_UP_TOKENS


def _tokens_left(job: Job) -> int:
    return len(job.spec.prompt) - job.prefilled


def _join(a: Delta, b: Delta) -> Delta:
    return Delta(
        a.text + b.text, a.tokens + b.tokens, a.stopped or b.stopped, a.filtered or b.filtered
    )
