"""The lesson catalog, validated like the parameter catalog, and its checks on fixed results."""

from __future__ import annotations

import re

import pytest

from explorer.api.catalog import CHEATSHEET_PARAMS, PARAMS, RESPONSE_FIELDS, corrections
from explorer.runs import lessons
from explorer.runs.compare import ChoiceResult, Comparison, VariantResult
from explorer.runs.metrics import repetition

EVERY_LESSON = [pytest.param(entry, id=entry.key) for entry in lessons.LESSONS]
FIELD_PATHS = {f.path for f in RESPONSE_FIELDS}


# ---------------------------------------------------------------- the catalog


def test_keys_are_unique_url_slugs() -> None:
    keys = [entry.key for entry in lessons.LESSONS]
    assert len(keys) == len(set(keys))
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", key) for key in keys)


@pytest.mark.parametrize("entry", EVERY_LESSON)
def test_a_lesson_is_complete(entry: lessons.Lesson) -> None:
    assert entry.group in lessons.GROUPS
    assert entry.title and entry.question.endswith("?")
    assert 2 <= len(entry.predictions) <= 4
    assert 0 <= entry.expected < len(entry.predictions)
    assert len(set(entry.predictions)) == len(entry.predictions)
    assert 2 <= len(entry.truth.split(". ")) <= 5, "the truth in two to four sentences"
    assert entry.reference in PARAMS or entry.reference in FIELD_PATHS
    for name in entry.claims:
        assert name in PARAMS or name in FIELD_PATHS, name


@pytest.mark.parametrize("entry", EVERY_LESSON)
def test_every_experiment_is_a_valid_comparison_for_any_seed(entry: lessons.Lesson) -> None:
    for offset in (0, 1, 5):
        comparison = entry.comparison(offset)
        assert isinstance(comparison, Comparison)
        assert len(comparison.variants) == len(entry.variants)
    seeds = {r.seed for r in entry.comparison(3).requests("m")}
    assert seeds == {r.seed + 3 for r in entry.comparison().requests("m") if r.seed is not None}


def test_every_cheatsheet_parameter_has_a_lesson() -> None:
    taught = {entry.reference for entry in lessons.LESSONS} | set(lessons.myths())
    assert sorted(set(CHEATSHEET_PARAMS) - taught) == []


def test_every_wrong_claim_of_the_cheatsheet_has_a_myth_lesson() -> None:
    wrong = {name for name, _, _ in corrections()}
    assert sorted(wrong - set(lessons.myths())) == []
    for name, key in lessons.myths().items():
        entry = lessons.lesson(key)
        assert entry is not None and entry.claim, name


def test_the_basics_are_taught() -> None:
    keys = {entry.key for entry in lessons.LESSONS}
    basics = {"messages", "tokens", "max_tokens", "stream", "logprobs", "json_mode", "tools"}
    assert basics | {"few_shot"} <= keys


def test_every_group_ends_with_a_quiz_whose_evidence_exists() -> None:
    for group in lessons.GROUPS:
        questions = lessons.quiz(group)
        assert len(questions) >= 2, group
        for q in questions:
            assert 0 <= q.answer < len(q.choices)
            assert q.evidence is None or lessons.lesson(q.evidence) is not None


def test_lessons_are_found_by_key() -> None:
    assert lessons.lesson("temperature") is not None
    assert lessons.lesson("nonsense") is None


# ---------------------------------------------------------------- the checks


def result(
    index: int,
    *texts: str,
    finish: str = "stop",
    request: dict | None = None,
    usage: tuple[int, int] | None = (10, 5),
    tokens: int | None = None,
    **extra: object,
) -> VariantResult:
    choices = [
        ChoiceResult(index=i, text=t, finish_reason=finish, tokens=tokens)
        for i, t in enumerate(texts)
    ]
    used = (
        {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage)}
        if usage
        else None
    )
    return VariantResult(index=index, request=request or {}, choices=choices, usage=used, **extra)


def test_a_failed_variant_is_said_not_read() -> None:
    entry = lessons.lesson("user")
    assert entry is not None
    broken = [result(0, "x"), VariantResult(index=1, error="boom", headline="It timed out")]
    finding = lessons.read_result(entry, broken)
    assert not finding.shown and "Variant B did not answer (It timed out)" in finding.text
    assert not lessons.read_result(entry, [result(0, "x")]).shown  # one result missing


def test_cut_by_length_reads_the_cut() -> None:
    check = lessons.cut_by_length()
    cut = result(0, "Once upon a", finish="length", request={"max_tokens": 3})
    whole = result(1, "Once upon a time there was a fox.", usage=(10, 9))
    finding = check([cut, whole])
    assert finding.shown
    assert "finish_reason was `length`" in finding.text and "after 3 tokens" in finding.text
    assert "starts with exactly the same words" in finding.text
    early = result(0, "Hi.", finish="stop", request={"max_tokens": 3})
    assert not check([early, whole]).shown


def test_stopped_at_needs_the_sequence_in_the_other_text() -> None:
    check = lessons.stopped_at("\n")
    stopped, plain = result(0, "One line"), result(1, "One line\nTwo")
    finding = check([stopped, plain])
    assert finding.shown and "after 8 characters" in finding.text
    assert not check([stopped, result(1, "No newline")]).shown


def test_identical_and_different_texts() -> None:
    check = lessons.identical("user")
    assert check([result(0, "same words"), result(1, "same words")]).shown
    finding = check([result(0, "same words here"), result(1, "same other")])
    assert not finding.shown and "after 1 word" in finding.text


def test_seeds_reproduce() -> None:
    check = lessons.seeds_reproduce()
    a, b = result(0, "a b c", request={"seed": 7}), result(1, "a b c", request={"seed": 7})
    c = result(2, "a x y", request={"seed": 8})
    finding = check([a, b, c])
    assert finding.shown and "differ after 1 word" in finding.text
    assert not check([a, result(1, "z", request={"seed": 7}), c]).shown
    assert not check([a, b, result(2, "a b c", request={"seed": 8})]).shown


def test_more_varied_counts_distinct_choices() -> None:
    check = lessons.more_varied()
    calm = result(0, "a", "a", "a", "b", request={"temperature": 0.2})
    wild = result(1, "a", "b", "c", "d", request={"temperature": 1.5})
    finding = check([calm, wild])
    assert finding.shown and "temperature 0.2, 2 of 4 answers were different" in finding.text
    assert "temperature 1.5, 4 of 4 (distinct-2" in finding.text
    assert not check([wild, calm]).shown
    # All different either way: distinct-2 still tells shared wording from new wording.
    alike = result(0, "a b c d", "a b c e", "a b c f", "a b c g", request={"temperature": 0.2})
    apart = result(1, "a b c d", "e f g h", "i j k l", "m n o p", request={"temperature": 1.5})
    assert check([alike, apart]).shown and not check([apart, alike]).shown


def test_presence_flat_frequency_growing() -> None:
    check = lessons.presence_flat_frequency_growing()
    loop = "la la la la la la la la"
    rows = [result(i, t, repetition=repetition(t)) for i, t in enumerate([loop, loop, "la la la"])]
    finding = check(rows)
    assert finding.shown and "0% with frequency_penalty" in finding.text
    rows[2] = result(2, loop, repetition=repetition(loop))
    assert not check(rows).shown


def test_less_repetitive() -> None:
    check = lessons.less_repetitive()
    loop_text, varied_text = (
        "la la la la la la la la la la",
        "la la la and then a song about the sea",
    )
    loop = result(0, loop_text, repetition=repetition(loop_text))
    varied = result(1, varied_text, repetition=repetition(varied_text))
    assert check([loop, varied]).shown
    assert not check([varied, loop]).shown


def test_word_banned() -> None:
    check = lessons.word_banned("Paris")
    plain = result(0, "Paris.")
    banned = result(1, "The capital is Lyon.", request={"logit_bias": {"9079": -100}})
    finding = check([plain, banned])
    assert finding.shown and "token 9079 at -100" in finding.text
    assert not check([result(0, "Rome."), banned]).shown
    assert not check([plain, result(1, "Paris!")]).shown


def test_parses_as_json() -> None:
    check = lessons.parses_as_json()
    assert check([result(0, "a cat"), result(1, '{"name": "Tom"}')]).shown
    assert not check([result(0, "a cat"), result(1, '{"name": "To', finish="length")]).shown


def test_calls_a_tool() -> None:
    check = lessons.calls_a_tool()
    assert check([result(0, "It is sunny."), result(1, "", finish="tool_calls")]).shown
    assert not check([result(0, "x"), result(1, "I think", finish="stop")]).shown


def test_counts_every_choice() -> None:
    check = lessons.counts_every_choice()
    finding = check([result(0, "a", tokens=4), result(1, "a", "b", "c", tokens=4, usage=(10, 12))])
    assert finding.shown and "3 choices" in finding.text and "4 + 4 + 4 = 12" in finding.text


def test_prompt_tokens_grow() -> None:
    check = lessons.prompt_tokens_grow()
    assert check([result(0, "x", usage=(5, 3)), result(1, "x", usage=(30, 3))]).shown
    assert not check([result(0, "x", usage=None), result(1, "x")]).shown


def test_streams_first() -> None:
    check = lessons.streams_first()
    streamed = result(0, "same", ttft_s=0.2, latency_s=1.0)
    plain = result(1, "same", latency_s=1.1, streamed=False)
    finding = check([streamed, plain])
    assert finding.shown and "0.20 s" in finding.text
    assert not check([streamed, result(1, "other", latency_s=1.1)]).shown


def test_logprobs_listed_explains_the_gap_to_usage() -> None:
    check = lessons.logprobs_listed()
    finding = check([result(0, "Paris."), result(1, "Paris.", tokens=3, usage=(10, 6))])
    assert finding.shown and "3 entries" in finding.text and "the 3 more" in finding.text
    assert not check([result(0, "Paris."), result(1, "Paris.")]).shown  # no logprobs


def test_few_shot_shorter() -> None:
    check = lessons.few_shot_shorter()
    assert check([result(0, "well it is a long story about"), result(1, "Paris.")]).shown
    assert not check([result(0, "Paris."), result(1, "well it is a long story")]).shown


def test_model_reported_says_what_answered() -> None:
    finding = lessons.model_reported()([result(0, "x", request={"model": "a"}, model="a-2024")])
    assert "You asked for 'a'; the response names 'a-2024'" in finding.text


def test_progress_records_predictions_and_findings() -> None:
    record = lessons.Progress()
    assert record.predicted_right("temperature") is None
    record.predictions["temperature"] = 1
    record.findings["temperature"] = lessons.Finding(True, "shown")
    assert record.done("temperature") and record.predicted_right("temperature")
