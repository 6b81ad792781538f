"""The Lessons page's parts: the picker, one lesson, a group's quiz, the learner's progress.

A lesson's experiment runs through Compare's machinery (`ui.variants.run_live`);
what happened is read from the results (`explorer.lessons.read_result`).
Progress (predictions, findings, quiz answers) lives in the browser session.
"""

from __future__ import annotations

import streamlit as st

from explorer.runs import lessons
from explorer.runs.compare import VariantResult, differences
from explorer.runs.share import comparison_query

from . import presenter
from .connection_state import ActiveConnection
from .markdown import code_span, escape_markdown
from .run import draw_texts
from .variants import run_live, variant_header

__all__ = ["lesson_picker", "progress", "quiz_group", "show_lesson", "show_quiz"]

QUERY = "lesson"  # ?lesson=<key> opens a lesson; ?lesson=quiz-<group> a quiz
PICK_KEY = "lessons_pick"
_PROGRESS_KEY = "lessons_progress"
_RESULTS_KEY = "lessons_results"  # lesson key -> its last run's results (JSON dumps)
_LETTERS = "ABCDEFGH"


def progress() -> lessons.Progress:
    """The learner's progress in this browser session."""
    found = st.session_state.get(_PROGRESS_KEY)
    if not isinstance(found, lessons.Progress):
        found = st.session_state[_PROGRESS_KEY] = lessons.Progress()
    return found


def _quiz_key(group: str) -> str:
    return "quiz-" + group.lower().replace(" ", "-")


def _options() -> list[str]:
    out: list[str] = []
    for group in lessons.GROUPS:
        out += [entry.key for entry in lessons.group_lessons(group)]
        out.append(_quiz_key(group))
    return out


def _quiz_group(option: str) -> str | None:
    for group in lessons.GROUPS:
        if option == _quiz_key(group):
            return group
    return None


def _label(option: str) -> str:
    group = _quiz_group(option)
    if group is not None:
        return f"{group} · Quiz"
    entry = lessons.lesson(option)
    assert entry is not None
    done = " ✓" if progress().done(option) else ""
    return f"{entry.group} · {entry.title}{done}"


def lesson_picker() -> str:
    """The lesson or quiz chosen, kept in the URL so a link opens exactly it."""
    options = _options()
    asked = str(st.query_params.get(QUERY, ""))
    if asked and asked not in options:
        st.warning(
            f"There is no lesson called {escape_markdown(asked)!r}; here is the first one.",
            icon=":material/link_off:",
        )
    if PICK_KEY not in st.session_state or (
        asked in options and asked != st.session_state.get("lessons_linked")
    ):
        st.session_state[PICK_KEY] = asked if asked in options else options[0]
        st.session_state["lessons_linked"] = asked
    record = progress()
    done = sum(record.done(entry.key) for entry in lessons.LESSONS)
    with st.container(horizontal=True, vertical_alignment="bottom", key="lessons_bar"):
        picked = str(st.selectbox("Lesson", options, key=PICK_KEY, format_func=_label, width=420))
        st.progress(
            done / len(lessons.LESSONS),
            text=f"{done} of {len(lessons.LESSONS)} lessons done",
            width=260,
        )
    if st.query_params.get(QUERY) != picked:
        st.query_params[QUERY] = picked
        st.session_state["lessons_linked"] = picked
    return picked


def _go_to(option: str) -> None:
    st.session_state[PICK_KEY] = option


def _next_option(current: str) -> str | None:
    options = _options()
    index = options.index(current)
    return options[index + 1] if index + 1 < len(options) else None


def _next_button(current: str) -> None:
    following = _next_option(current)
    if following is not None:
        st.button(
            f"Next: {_label(following)}",
            icon=":material/arrow_forward:",
            key="lessons_next",
            on_click=_go_to,
            args=(following,),
        )


# ---------------------------------------------------------------- one lesson


def _prediction(entry: lessons.Lesson) -> int | None:
    """The learner's prediction (None until one is picked)."""
    if presenter.is_on():
        st.markdown("**Show of hands: what will happen?**")
        st.markdown(
            "\n".join(
                f"- **{_LETTERS[i]}**  {escape_markdown(choice)}"
                for i, choice in enumerate(entry.predictions)
            )
        )
    picked = st.radio(
        "What do you expect? Pick one before you run it"
        + (" (the room's majority)" if presenter.is_on() else ""),
        range(len(entry.predictions)),
        index=progress().predictions.get(entry.key),
        format_func=lambda i: f"{_LETTERS[i]}. {entry.predictions[i]}",
        key=f"lesson_predict_{entry.key}",
    )
    if picked is not None:
        progress().predictions[entry.key] = int(picked)
    return None if picked is None else int(picked)


def _stored(entry: lessons.Lesson) -> list[VariantResult] | None:
    kept = st.session_state.get(_RESULTS_KEY, {}).get(entry.key)
    if not isinstance(kept, list):
        return None
    return [VariantResult.model_validate(r) for r in kept]


def _keep(entry: lessons.Lesson, results: list[VariantResult]) -> None:
    st.session_state.setdefault(_RESULTS_KEY, {})[entry.key] = [
        r.model_dump(mode="json") for r in results
    ]
    progress().findings[entry.key] = lessons.read_result(entry, results)


def _outputs(entry: lessons.Lesson, results: list[VariantResult]) -> None:
    changed = differences(entry.comparison())
    for i, (column, result) in enumerate(
        zip(st.columns(len(results), gap="medium"), results, strict=True)
    ):
        with column, st.container(key=f"lesson_out_{i}"):
            variant_header(i, changed[i])
            if result.ok:
                draw_texts({c.index: c.text for c in result.choices})
                reasons = ", ".join(f"`{c.finish_reason}`" for c in result.choices)
                usage = result.usage or {}
                st.caption(
                    f"finish_reason {reasons}"
                    + (
                        f" · {usage['prompt_tokens']} prompt + "
                        f"{usage['completion_tokens']} completion tokens"
                        if usage
                        else ""
                    )
                )
            else:
                st.error(
                    escape_markdown(result.headline or result.error or "It failed."),
                    icon=":material/error:",
                )


def _readable(text: str) -> str:
    """A finding as Markdown: shown literally, its `code` spans (field values) as code."""
    parts = text.split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: no code spans at all
        return escape_markdown(text)
    return "".join(
        code_span(part) if i % 2 else escape_markdown(part) for i, part in enumerate(parts)
    )


def _verdict(entry: lessons.Lesson, finding: lessons.Finding) -> None:
    with st.container(key="lesson_finding"):
        st.markdown("#### What happened")
        if finding.shown:
            st.success(_readable(finding.text), icon=":material/visibility:")
        else:
            st.warning(_readable(finding.text), icon=":material/help:")
        guess = progress().predictions.get(entry.key)
        if guess is not None:
            right = guess == entry.expected
            st.markdown(
                f"You predicted **{_LETTERS[guess]}**: "
                + (
                    "right."
                    if right
                    else f"not quite; the run supports **{_LETTERS[entry.expected]}**."
                )
            )
    with st.container(key="lesson_truth"):
        st.markdown("#### The truth")
        st.markdown(entry.truth)
        with st.container(horizontal=True, gap="small"):
            st.page_link(
                "app_pages/reference.py",
                label=f"{entry.reference} in the Reference",
                icon=":material/menu_book:",
                query_params={"q": entry.reference},
            )
            st.page_link(
                "app_pages/compare.py",
                label="Open this experiment in Compare",
                icon=":material/compare_arrows:",
                query_params=comparison_query(entry.comparison()),
            )


def show_lesson(entry: lessons.Lesson, active: ActiveConnection) -> None:
    """One lesson: question, claim, prediction, the live run, what happened, the truth."""
    st.header(entry.title, anchor=False)
    st.markdown(f"**{escape_markdown(entry.question)}**")
    if entry.claim:
        st.info(f"**The cheatsheet says:** {entry.claim}", icon=":material/format_quote:")
    guess = _prediction(entry)
    comparison = entry.comparison()
    with st.expander("The experiment (a comparison, run on the active endpoint)"):
        st.json(comparison.canonical(), expanded=2)
    unready = active.endpoint is None or not active.model
    ran = _stored(entry)
    with st.container(horizontal=True, vertical_alignment="center"):
        clicked = st.button(
            "Run it again" if ran else "Run the experiment",
            type="primary",
            icon=":material/play_arrow:",
            key="lesson_run",
            disabled=guess is None or unready,
        )
        if guess is None:
            st.caption("Pick what you expect first; then run it and see.")
    output = st.container(key="lesson_output")
    if clicked and not unready:
        presenter.scroll_after_run("lesson_output")
        results = run_live(active, comparison, output, key="lesson")
        _keep(entry, results)
        st.rerun()
    if ran is not None:
        with output:
            _outputs(entry, ran)
            finding = progress().findings.get(entry.key) or lessons.read_result(entry, ran)
            _verdict(entry, finding)
        presenter.scroll_here("lesson_output")
    _next_button(entry.key)


# ---------------------------------------------------------------- a quiz


def _evidence(question: lessons.QuizQuestion) -> str:
    if question.evidence is None:
        return ""
    finding = progress().findings.get(question.evidence)
    entry = lessons.lesson(question.evidence)
    if finding is None or entry is None:
        title = entry.title if entry else question.evidence
        return f"Run the lesson “{title}” to see it for yourself."
    return f"In your own run of “{entry.title}”: {finding.text}"


def show_quiz(group: str) -> None:
    """The questions that close a group, each answer explained with the learner's runs."""
    st.header(f"{group}: quiz", anchor=False)
    record = progress()
    questions = lessons.quiz(group)
    right = 0
    for n, question in enumerate(questions):
        key = f"quiz_{_quiz_key(group)}_{n}"
        with st.container(border=True, key=f"{key}_box"):
            answer = st.radio(
                f"{n + 1}. {question.question}",
                range(len(question.choices)),
                index=record.quiz_answers.get(key),
                format_func=lambda i, q=question: f"{_LETTERS[i]}. {q.choices[i]}",
                key=key,
            )
            if answer is None:
                continue
            record.quiz_answers[key] = int(answer)
            correct = int(answer) == question.answer
            right += correct
            text = question.explanation
            evidence = _evidence(question)
            body = _readable(text + (" " + evidence if evidence else ""))
            if correct:
                st.success("Right. " + body, icon=":material/check:")
            else:
                st.error(
                    f"The answer is {_LETTERS[question.answer]}. " + body, icon=":material/close:"
                )
    keys = [f"quiz_{_quiz_key(group)}_{n}" for n in range(len(questions))]
    if all(key in record.quiz_answers for key in keys):
        st.markdown(f"**{right} of {len(questions)} right.**")
    _next_button(_quiz_key(group))


def quiz_group(option: str) -> str | None:
    """The group whose quiz `option` names, or None for a lesson."""
    return _quiz_group(option)
