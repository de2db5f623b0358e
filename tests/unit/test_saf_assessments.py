"""The Single Assessment Framework `assessment[]` block: understood, and the newest of it and currentRatings wins."""

import json
from pathlib import Path

import pytest

from provider_monitor.enums import ChangeDirection, KeyQuestion
from provider_monitor.services.cqc_records import location_record
from provider_monitor.services.rating_rules import detect_changes

SAF = json.loads(
    (Path(__file__).resolve().parent.parent / "fixtures" / "cqc" / "saf_assessment_block_synthetic.json").read_text()
)


@pytest.fixture
def dovetail(shared_data):
    """Dovetail House, Nottinghamshire: currently Good in the real record."""
    return json.loads(next((shared_data / "cqc" / "api" / "locations").glob("1-112779585_*.json")).read_text())


def test_a_newer_assessment_is_the_current_rating(dovetail):
    record = location_record({**dovetail, "assessment": SAF["assessment"]})
    states = record.history()
    current = states[-1]
    assert current.ratings[KeyQuestion.OVERALL].value == "Requires improvement"  # capital I normalised
    assert current.published_on.isoformat() == "2025-09-18"
    changes = detect_changes(states)[-1]
    assert {(c.question, c.direction) for c in changes} >= {
        (KeyQuestion.OVERALL, ChangeDirection.DECLINE), (KeyQuestion.SAFE, ChangeDirection.DECLINE)
    }  # fmt: skip
    assert all(c.question != KeyQuestion.CARING for c in changes)


def test_an_older_assessment_is_history_not_current(dovetail):
    older = json.loads(json.dumps(SAF["assessment"]))
    older[0]["assessmentPlanPublishedDateTime"] = "2016-01-01T00:00:00Z"
    states = location_record({**dovetail, "assessment": older}).history()
    assert states[-1].ratings[KeyQuestion.OVERALL].value == "Good"
    assert states[-1].published_on.isoformat() == dovetail["currentRatings"]["overall"]["reportDate"]
    assert any(s.published_on.isoformat() == "2016-01-01" for s in states)


def test_an_assessment_without_current_ratings_still_gives_ratings(dovetail):
    bare = {k: v for k, v in dovetail.items() if k not in ("currentRatings", "historicRatings")}
    states = location_record({**bare, "assessment": SAF["assessment"]}).history()
    assert [s.ratings[KeyQuestion.OVERALL].value for s in states] == ["Requires improvement"]
