"""Lessons: a guided path through the API, each claim tested live on the active endpoint.

The lessons are data (`explorer.lessons`); this page only picks one and draws it.
"""

from __future__ import annotations

import streamlit as st

from explorer.runs import lessons
from ui import sidebar
from ui.lessons import lesson_picker, quiz_group, show_lesson, show_quiz

active = sidebar.current()

st.title("Lessons")
st.write(
    "Each lesson asks a question, lets you predict the answer, then runs a real "
    "experiment on the active endpoint and reads what it showed. Start anywhere; "
    "a quiz closes each group."
)

picked = lesson_picker()
group = quiz_group(picked)
if group is not None:
    show_quiz(group)
else:
    entry = lessons.lesson(picked)
    if entry is not None:
        show_lesson(entry, active)
