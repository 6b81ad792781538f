"""Pure parts of the engine: text release with stops, prompt rendering, batch plans, bodies."""

from __future__ import annotations

import asyncio
import gc
import itertools
import json
import threading
import weakref
from typing import Any

import numpy as np
import pytest
from pydantic import BaseModel

from explorer import sampling
from explorer.api import ChatCompletionChunk, ChatCompletionRequest
from explorer.engine.decode_costs import DecodeCosts
from explorer.engine.events import TokenInfo, TokensDelta
from explorer.engine.model import MAX_DECODE_ROWS
from explorer.engine.primer import PRIMER_EXCHANGES, primer_text
from explorer.engine.prompt import render_template, render_transcript
from explorer.engine.responses import content_chunk, token_text, wire
from explorer.engine.service import _Handoff
from explorer.engine.textstream import TextStream


def run(pieces: list[bytes], stops: list[str]) -> tuple[str, list[tuple[int, ...]], bool]:
    ts = TextStream(stops)
    text, released, stopped = "", [], False
    for p in pieces:
        d = ts.push(p)
        text += d.text
        released.append(d.tokens)
        if d.stopped:
            stopped = True
            break
    if not stopped:
        d = ts.finish()
        text += d.text
        released.append(d.tokens)
    return text, released, stopped


@pytest.mark.parametrize(
    ("pieces", "stops", "text", "stopped"),
    [
        ([b"Hello", b" wor", b"ld"], [], "Hello world", False),
        ([b"Hello", b"\nUs", b"er:", b" hi"], ["\nUser:"], "Hello", True),  # across tokens
        ([b"ab", b"cX", b"Yd"], ["XY"], "abc", True),
        (
            [b"abc", b"X"],
            ["XY"],
            "abcX",
            False,
        ),  # a prefix that never completes is released at the end
        ([b"x", b"STOP"], ["STOP", "TO"], "x", True),  # earliest match wins
        ([b"\xe2\x82", b"\xac and"], [], "\u20ac and", False),  # a euro sign split across tokens
        ([b"caf", b"\xc3", b"\xa9!"], ["!"], "caf\u00e9", True),
    ],
)
def test_text_release(pieces, stops, text, stopped):
    got, _, did_stop = run(pieces, stops)
    assert got == text
    assert did_stop == stopped


def test_text_is_released_as_early_as_safe():
    ts = TextStream(["\nUser:"])
    assert ts.push(b"Hi").text == "Hi"
    assert ts.push(b" there\n").text == " there"  # "\n" could start the stop: held back
    assert ts.push(b"Us").text == ""
    assert ts.push(b"a").text == "\nUsa"  # no longer a prefix: released


def test_tokens_are_released_with_their_text():
    # Every token whose bytes were released is released exactly once, in order.
    for split in itertools.combinations(range(1, 12), 3):
        data = b"one two\nUser: three"
        cuts = [0, *split, len(data)]
        pieces = [data[a:b] for a, b in zip(cuts, cuts[1:], strict=False) if b > a]
        text, released, stopped = run(pieces, ["\nUser:"])
        assert text == "one two"
        flat = [i for group in released for i in group]
        assert flat == list(range(len(flat)))
        starts = [sum(len(p) for p in pieces[:i]) for i in range(len(pieces))]
        assert flat == [i for i, s in enumerate(starts) if s < len(b"one two")]


def test_push_after_stop_is_an_error():
    ts = TextStream(["x"])
    assert ts.push(b"x").stopped
    with pytest.raises(RuntimeError):
        ts.push(b"y")


def messages(*pairs):
    return ChatCompletionRequest(
        model="m", messages=[{"role": r, "content": c} for r, c in pairs]
    ).messages


def test_transcript_rendering_and_turn_stops():
    turns = messages(
        ("system", "Be brief."), ("user", "Hi"), ("assistant", "Hello!"), ("user", "Bye")
    )
    rendered = render_transcript(turns, primer=False)
    assert rendered.text == "System: Be brief.\nUser: Hi\nAssistant: Hello!\nUser: Bye\nAssistant:"
    assert rendered.parts == (
        "System: Be brief.\n",
        "User: Hi\n",
        "Assistant: Hello!\n",
        "User: Bye\n",
        "Assistant:",
    )
    assert rendered.primer == ""
    assert "\nUser:" in rendered.stops and "\nAssistant:" in rendered.stops
    assert rendered.parse_special is False  # "<bos>" typed by a learner stays text


def test_primer_leads_the_transcript_as_its_own_part():
    turns = messages(("system", "Be brief."), ("user", "Hi"))
    plain = render_transcript(turns, primer=False)
    primed = render_transcript(turns, tools="Tools: none")
    assert primed.primer == primer_text() and primed.primer.endswith("\n\n")
    assert primed.parts[0] == primed.primer  # first, so its tokens are the same for every request
    assert primed.parts[1] == "Tools: none\n"
    assert primed.text == primed.primer + "Tools: none\n" + plain.text
    assert "".join(primed.parts) == primed.text
    # every example is a complete exchange in the transcript's own format
    for question, answer in PRIMER_EXCHANGES:
        assert f"User: {question}\nAssistant: {answer}\n" in primed.primer
        assert "\n" not in question + answer  # a newline would end the turn early


def test_tool_messages_in_transcript():
    req = ChatCompletionRequest(
        model="m",
        messages=[
            {"role": "user", "content": "Weather?"},
            {
                "role": "assistant",
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": "18C"},
        ],
    )
    text = render_transcript(req.messages).text
    assert '[calls get_weather({"city":"Paris"})]' in text
    assert "Tool (c1): 18C" in text


def test_chat_template_rendering():
    template = (
        "{% for m in messages %}<{{ m.role }}>{{ m.content }}</{{ m.role }}>{% endfor %}"
        "{% if add_generation_prompt %}<assistant>{% endif %}"
    )
    rendered = render_template(template, messages(("user", "Hi")), "<bos>", "")
    assert rendered.text == "<user>Hi</user><assistant>"
    assert rendered.parse_special is True


# Costs measured on two different 2-core machines (ms by rows): they split rows differently.
COSTS = [
    {1: 10.0, 2: 23.4, 3: 28.9, 4: 32.7, 5: 46.6, 6: 51.3, 7: 56.7},
    {1: 18.5, 2: 22.0, 3: 30.1, 4: 40.7, 5: 55.0, 6: 60.2, 7: 69.9},
]


def _best_cost(rows: int, cost: dict[int, float]) -> float:
    """Brute force over every split (slow, obviously right)."""
    if rows == 0:
        return 0.0
    sizes = range(1, min(rows, MAX_DECODE_ROWS) + 1)
    return min(cost[k] + _best_cost(rows - k, cost) for k in sizes)


@pytest.mark.parametrize("cost", COSTS)
@pytest.mark.parametrize("rows", [*range(1, 16), 23, 64])
def test_plan_is_cheapest_and_bounded(rows, cost):
    plan = DecodeCosts({k: ms / 1000 for k, ms in cost.items()}).plan(rows)
    assert sum(plan) == rows
    assert all(1 <= g <= MAX_DECODE_ROWS for g in plan)
    if rows <= 15:  # the brute force is exponential
        assert sum(cost[g] for g in plan) == pytest.approx(_best_cost(rows, cost))


def test_plans_follow_the_measured_costs():
    first, second = (DecodeCosts({k: ms / 1000 for k, ms in c.items()}) for c in COSTS)
    assert first.plan(5) == (4, 1)  # one row is cheap on the first machine
    assert second.plan(5) == (3, 2)
    for _ in range(200):  # the second machine gets slow at 3 rows
        second.observe(3, 0.5)  # seconds
    assert 3 not in second.plan(5)


@pytest.mark.parametrize(
    ("piece", "text"), [(b" Hello", " Hello"), (b"\xe2\x82", "bytes:\\xe2\\x82"), (b"", "")]
)
def test_token_text(piece, text):
    assert token_text(piece) == text


def test_a_size_measured_too_slow_is_measured_again():
    """A start-up calibration slowed by a neighbour must not keep a size out of every plan."""
    true = {k: ms / 1000 for k, ms in COSTS[0].items()}
    costs = DecodeCosts(true | {7: 10 * true[7]})  # 7 rows measured ten times too slow
    assert 7 not in costs.plan(64)
    explored = []
    for _ in range(3000):  # decode calls of a busy engine, each timed at the machine's true cost
        size = costs.explore(64) or costs.plan(64)[0]
        explored.append(size)
        costs.observe(size, true[size])
    assert costs.plan(64).count(7) >= 8  # the plan is back to 7-row groups
    plan_sizes = set(costs.plan(64))
    # Exploring costs little: most calls were the plan's own sizes.
    assert sum(s not in plan_sizes for s in explored) < len(explored) / 20


def _unknown_fields(model: BaseModel) -> list[str]:
    """Fields a lenient response model kept without knowing them, anywhere inside it."""
    found = list(model.model_extra or {})
    for value in model.__dict__.values():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, BaseModel):
                found += _unknown_fields(item)
    return found


@pytest.mark.parametrize(("top", "explain"), [(None, 0), (0, 0), (3, 0), (None, 2), (3, 2)])
def test_the_per_token_chunk_is_exactly_what_the_models_send(top, explain):
    """The stream's hot path writes a dict: ChatCompletionChunk must read it back unchanged."""
    vocab = {7: b" Hello", 8: b"\xe2\x82", 9: b" x", 10: b"!"}
    ids = np.array([7, 9, 10])
    steps = tuple(
        sampling.StepView(name, ids, np.array([0.5, 0.25, 1e-05]), np.zeros(3))
        for name in ("raw", "temperature", "top_p")
    )
    tokens = tuple(
        TokenInfo(
            id=t,
            piece=vocab[t],
            logprob=-0.5 * i,
            top=tuple((a, -1.0 - a / 10) for a in (7, 8, 9, 10)[: top or 0]),
            explain=steps if explain else (),
            trimmed=i == 0,
        )
        for i, t in enumerate((7, 8))
    )
    head = wire(
        ChatCompletionChunk(
            id="chatcmpl-1",
            object="chat.completion.chunk",
            created=1,
            model="m",
            system_fingerprint="fp_1",
            service_tier="default",
            usage=None,
            choices=[],
        )
    )
    body = content_chunk(
        head,
        TokensDelta(1, "Hello€", tokens),
        vocab.__getitem__,
        logprobs=top is not None,
        explain=bool(explain),
    )
    parsed = ChatCompletionChunk.model_validate(body)
    assert _unknown_fields(parsed) == []
    assert json.dumps(wire(parsed)) == json.dumps(body)  # the same keys, values and order
    assert (body["choices"][0]["logprobs"] is None) == (top is None)
    assert ("explain" in body["choices"][0]) == bool(explain)


def test_events_from_the_model_thread_wait_for_a_flush_and_keep_their_order():
    # The event loop runs on a thread of its own, as the server's does.
    loop = asyncio.new_event_loop()
    wake_ups = 0
    call_soon_threadsafe = loop.call_soon_threadsafe

    def counted(callback: Any, *args: Any) -> Any:
        nonlocal wake_ups
        wake_ups += callback == handoff._deliver  # not the test's own calls
        return call_soon_threadsafe(callback, *args)

    loop.call_soon_threadsafe = counted  # type: ignore[method-assign]
    handoff = _Handoff(loop)
    queues: list[asyncio.Queue] = [asyncio.Queue(), asyncio.Queue()]

    async def receive(count: int) -> list[list[str]]:
        return [[(await q.get()).text for _ in range(count)] for q in queues]

    def on_loop(count: int) -> list[list[str]]:
        return asyncio.run_coroutine_threadsafe(receive(count), loop).result(timeout=10)

    runner = threading.Thread(target=loop.run_forever)
    runner.start()
    try:
        for group in range(2):  # a decode group's events, on the model thread (here)
            for i in range(100 * group, 100 * group + 100):
                handoff.put(queues[i % 2], TokensDelta(0, str(i), ()))
            handoff.flush()
            handoff.flush()  # nothing new since: no second wake-up
            assert on_loop(50) == [
                [str(i) for i in range(100 * group, 100 * group + 100, 2)],
                [str(i) for i in range(100 * group + 1, 100 * group + 100, 2)],
            ]
            assert wake_ups == group + 1  # one wake-up for the whole group
        handoff.put(queues[0], TokensDelta(0, "held", ()))
        on_loop(0)  # the loop ran: a wake-up sent before would have delivered it
        assert wake_ups == 2 and queues[0].empty()  # nothing moves before a flush
        handoff.flush()
        assert on_loop(0) == [[], []] and queues[0].get_nowait().text == "held"
    finally:
        loop.call_soon_threadsafe(loop.stop)
        runner.join(timeout=10)
        loop.close()
    # A closed loop: its events are dropped, and the model thread goes on.
    for text in ("late", "later"):
        handoff.put(queues[0], TokensDelta(0, text, ()))
        handoff.flush()
        assert not handoff._pending


def test_a_handoff_does_not_keep_its_event_loop_alive():
    # The engine keys its handoffs by loop in a WeakKeyDictionary: a handoff that
    # held its loop would keep every loop that ever ran a request.
    loop = asyncio.new_event_loop()
    handoff = _Handoff(loop)
    handoff.put(asyncio.Queue(), TokensDelta(0, "nobody reads this", ()))
    gone = weakref.ref(loop)
    loop.close()
    del loop
    gc.collect()
    assert gone() is None
    handoff.flush()  # the loop is gone: its events are dropped
    assert not handoff._pending
