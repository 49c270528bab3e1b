"""Every rule has a doc page and a fixture with a case that fires and a case that must not."""

from __future__ import annotations

import pytest

from jixiao.review import RULES, ReviewConfig, Reviewer
from jixiao.review.engine import DOC_SECTIONS
from tests.rulefixtures import declaration, fixture, fixture_codes

CODES = sorted(RULES)


def findings(code: str, case: dict) -> list:
    reviewer = Reviewer(ReviewConfig(select=[code]))
    report = reviewer.review(declaration(case), case.get("profile"))
    return [f for f in report.findings if f.code == code]


def test_there_are_at_least_30_rules():
    assert len(RULES) >= 30, sorted(RULES)


def test_every_rule_has_a_fixture_and_every_fixture_a_rule():
    assert fixture_codes() == CODES


@pytest.mark.parametrize("code", CODES)
def test_the_rule_fires_on_its_bad_cases(code):
    cases = fixture(code).get("fires", [])
    assert cases, f"{code}: no [[fires]] case"
    for case in cases:
        found = findings(code, case)
        assert found, f"{code} did not fire on: {case.get('note', case)}"
        if "expect" in case:
            assert len(found) == case["expect"], [f.message for f in found]


@pytest.mark.parametrize("code", CODES)
def test_the_rule_stays_quiet_on_its_good_cases(code):
    cases = fixture(code).get("passes", [])
    assert cases, f"{code}: no [[passes]] case"
    for case in cases:
        assert findings(code, case) == [], f"{code} fired on: {case.get('note', case)}"


@pytest.mark.parametrize("profile", ["national-2021", "shanghai-2024"])
def test_no_rule_fires_on_the_well_written_base_declaration(profile):
    report = Reviewer().review(declaration(), profile)
    assert [(f.code, f.message) for f in report.findings] == []
    assert (report.score, report.grade, report.outcome) == (100.0, "优", "通过")


@pytest.mark.parametrize("code", CODES)
def test_every_rule_documents_itself_in_the_fixed_sections(code):
    rule = RULES[code]
    doc = rule.doc()
    assert [s for s in DOC_SECTIONS if not doc.get(s)] == [], f"{code}: missing doc sections"
    assert rule.title and rule.message and rule.hint and rule.name
