"""Every lesson, run on the embedded engine over several seeds, shows what it teaches.

The experiments go through Compare's machinery (`run_variants`), as the page
runs them. A seed samples other text on another CPU, so no test here reads one
sample: each lesson must show its effect in most seeds, and whenever a run
does not show it, the finding must say so (never claim an effect that is not there).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from explorer.http.client import ChatClient
from explorer.runs import lessons
from explorer.runs.compare import run_variants

pytestmark = pytest.mark.engine

SEED_OFFSETS = (0, 1, 2)
NOT_SHOWN_WORDS = ("run again", "run it again", "did not", "does not", "differ", "not valid")


@pytest.fixture(scope="module")
def client(engine_handle) -> Iterator[ChatClient]:
    with ChatClient(engine_handle.base_url, "") as c:
        yield c


@pytest.mark.parametrize("entry", [pytest.param(e, id=e.key) for e in lessons.LESSONS])
def test_the_lesson_shows_its_effect_or_says_it_did_not(
    entry: lessons.Lesson, client: ChatClient, model_id: str
) -> None:
    findings = []
    for offset in SEED_OFFSETS:
        requests = entry.comparison(offset).requests(model_id)
        results = run_variants(client, requests, embedded=True)
        assert all(r.ok for r in results), [r.error for r in results]
        finding = lessons.read_result(entry, results)
        assert finding.text
        if not finding.shown:
            assert any(w in finding.text.lower() for w in NOT_SHOWN_WORDS), finding.text
        findings.append(finding)
    shown = sum(f.shown for f in findings)
    assert shown >= len(SEED_OFFSETS) - 1, [f.text for f in findings]


def test_the_same_lesson_run_twice_reads_the_same(client: ChatClient, model_id: str) -> None:
    """On the embedded engine an experiment reproduces, and so does what it showed."""
    entry = lessons.lesson("seed")
    assert entry is not None
    requests = entry.comparison().requests(model_id)
    first = lessons.read_result(entry, run_variants(client, requests, embedded=True))
    again = lessons.read_result(entry, run_variants(client, requests, embedded=True))
    assert first == again
