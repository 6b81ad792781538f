"""The Reference page renders the whole catalog offline and filters it by search."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs

import pytest
from streamlit.testing.v1 import AppTest

from explorer.api.catalog import PARAMS, RESPONSE_FIELDS, corrections
from explorer.api.extensions import EXTENSIONS
from explorer.runs.compare import Comparison
from explorer.runs.share import parse_link

TIMEOUT = 30  # seconds; the page renders about 50 expanders


@pytest.fixture
def app(repo_root: Path) -> AppTest:
    # Through the entry point, as a learner opens it: its links to other pages resolve.
    at = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=TIMEOUT)
    at.switch_page("app_pages/reference.py")
    at.run(timeout=TIMEOUT)
    assert not at.exception
    return at


def _labels(at: AppTest) -> list[str]:
    return [e.label for e in at.expander]


def _search(at: AppTest, query: str) -> AppTest:
    at.text_input(key="reference_search").input(query)
    return at.run(timeout=TIMEOUT)


def test_page_renders_without_network_or_key(app: AppTest) -> None:
    assert app.title[0].value == "Reference"
    headers = [h.value for h in app.header]
    assert headers == [
        "Parameters",
        "Response fields",
        "The embedded engine's extensions",
        "Cheatsheet corrections",
    ]


def test_every_parameter_has_an_expander(app: AppTest) -> None:
    labels = _labels(app)
    for name in PARAMS:
        assert any(label.split()[0] == name for label in labels), name
    assert "max_tokens (deprecated: use max_completion_tokens)" in labels


def test_every_response_field_has_an_expander(app: AppTest) -> None:
    labels = _labels(app)
    for field in RESPONSE_FIELDS:
        assert field.path in labels


def test_overview_tables_list_everything(app: AppTest) -> None:
    (params_table,) = app.table  # static, so its cells wrap on a projector
    (fields_table,) = app.dataframe
    assert list(params_table.value["name"]) == list(PARAMS)
    assert list(fields_table.value["path"]) == [f.path for f in RESPONSE_FIELDS]
    temperature = params_table.value.set_index("name").loc["temperature"]
    assert (temperature["range"], temperature["default"]) == ("0 to 2", "1")


def test_access_paths_and_demo_requests_are_shown_as_code(app: AppTest) -> None:
    code = [c.value for c in app.code]
    assert "completion.choices[0].message.content" in code
    assert "completion.usage.total_tokens" in code
    assert any('"temperature": 1.2' in c for c in code)
    assert any('"9079": -100' in c for c in code)


def test_claims_and_corrections_are_shown(app: AppTest) -> None:
    errors = [e.value for e in app.error]
    successes = [s.value for s in app.success]
    assert PARAMS["user"].cheatsheet_claim in errors
    assert PARAMS["user"].correction in successes
    # An accurate claim is not shown as an error.
    assert PARAMS["n"].cheatsheet_claim not in errors
    (summary,) = [m.value for m in app.markdown if "*Cheatsheet:*" in m.value]
    for name, _, truth in corrections():
        assert f"**`{name}`**" in summary
        assert truth in summary


def test_search_filters_by_name(app: AppTest) -> None:
    at = _search(app, "logit")
    assert not at.exception
    assert _labels(at) == ["logit_bias"]
    assert "temperature" not in " ".join(_labels(at))
    assert list(at.table[0].value["name"]) == ["logit_bias"]


def test_search_falls_back_to_descriptions(app: AppTest) -> None:
    at = _search(app, "json")
    labels = _labels(at)
    assert "response_format" in labels
    assert "temperature" not in labels


def test_search_finds_response_fields(app: AppTest) -> None:
    at = _search(app, "finish_reason")
    # the field, and the engine's filter that sets one of its values
    assert _labels(at) == ["choices[].finish_reason", "Classroom content filter"]
    assert [h.value for h in at.header] == ["Response fields", "The embedded engine's extensions"]


def test_search_without_match_says_so(app: AppTest) -> None:
    at = _search(app, "zebra quantum")
    assert _labels(at) == []
    assert [i.value for i in at.info] == ["Nothing matches this search."]


def test_clearing_the_search_shows_everything_again(app: AppTest) -> None:
    _search(app, "logit")
    at = _search(app, "")
    example = 1  # the cheatsheet's example response, shown with the whole list
    assert len(_labels(at)) == len(PARAMS) + len(RESPONSE_FIELDS) + len(EXTENSIONS) + example


def test_page_never_allows_raw_html(repo_root: Path) -> None:
    source = (repo_root / "app_pages" / "reference.py").read_text()
    assert "unsafe_allow_html" not in source
    assert "set_page_config" not in source


def test_every_demo_with_variants_opens_in_compare(app: AppTest) -> None:
    """Each "Run it in Compare" link carries exactly its demo, for the Compare page."""
    links = app.get("page_link")
    demos = {p.name: p.demo for p in PARAMS.values() if p.demo and len(p.demo.variants) >= 2}
    assert len(links) == len(demos) > 20
    for link in links:
        assert link.proto.page == "compare"
        name = link.proto.help.removeprefix("Opens these variants of ").split(" ")[0]
        demo = demos[name]
        parsed = parse_link(parse_qs(link.proto.query_string), "compare")
        assert parsed.error is None
        assert isinstance(parsed.spec, Comparison)
        assert parsed.spec.base == demo.base
        assert parsed.spec.variants == list(demo.variants)


def test_the_cheatsheets_example_response_is_shown_invalid_and_fixed(app: AppTest) -> None:
    assert "The cheatsheet's example response" in _labels(app)
    texts = " ".join(str(m.value) for m in app.markdown)
    assert "is not valid JSON" in texts
    codes = [str(c.value) for c in app.code]
    assert any('"finish_reason": "stop"' in c for c in codes)
