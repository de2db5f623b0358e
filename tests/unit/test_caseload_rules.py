"""The caseload's words and colours: the interval explained, and the open-actions RAG."""

from datetime import date

import pytest

from provider_monitor.enums import RAG, PolicyBand
from provider_monitor.services.caseload import ActionSummary, interval_text
from provider_monitor.services.visit_rules import Policy, due_for

DEFAULT = Policy()


def due(cqc, local, regulated=True, policy=DEFAULT):
    return due_for(
        policy, last_routine_visit_on=date(2026, 1, 1), cqc_overall=cqc, local_rating=local, regulated=regulated,
        on_register_since=date(2020, 1, 1), today=date(2026, 6, 15),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("cqc", "local", "regulated", "expected"),
    [
        ("Good", "Good", True, "Every 12 months — Good (worse of CQC Overall Good and local rating Good)"),
        (
            "Outstanding",
            "Requires improvement",
            True,
            "Every 6 months — Requires improvement "
            "(worse of CQC Overall Outstanding and local rating Requires improvement)",
        ),
        ("Outstanding", None, True, "Every 18 months — Outstanding (CQC Overall Outstanding; no local rating yet)"),
        (None, "Inadequate", False, "Every 3 months — Inadequate (local rating Inadequate; no CQC Overall rating)"),
        (
            "Inspected but not rated",
            None,
            True,
            "Every 3 months — Regulated, not yet rated (no CQC Overall or local rating yet)",
        ),
        (None, None, False, "Every 12 months — Not regulated by CQC (no local rating yet)"),
    ],
)
def test_interval_text_explains_the_band(cqc, local, regulated, expected):
    assert interval_text(due(cqc, local, regulated), cqc, local) == expected


def test_a_one_month_interval_reads_naturally():
    policy = Policy(intervals={**Policy().intervals, PolicyBand.GOOD: 1})
    assert interval_text(due("Good", None, policy=policy), "Good", None).startswith("Every month — Good")


@pytest.mark.parametrize(
    ("pending", "overdue", "rag"),
    [(0, 0, None), (2, 0, RAG.AMBER), (3, 1, RAG.RED)],
)
def test_open_actions_rag(pending, overdue, rag):
    assert ActionSummary(pending=pending, overdue=overdue).rag == rag
