"""Rating rules, with no database: normalising CQC values, building history, finding changes."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from provider_monitor.enums import ChangeDirection, KeyQuestion

RANKS = {"outstanding": 4, "good": 3, "requires improvement": 2, "inadequate": 1}
LABELS = {4: "Outstanding", 3: "Good", 2: "Requires improvement", 1: "Inadequate"}
# CQC's key-question names, matched case-insensitively (never by position in a list).
QUESTION_BY_NAME = {q.label.lower(): q for q in KeyQuestion} | {"well led": KeyQuestion.WELL_LED}
QUESTIONS = tuple(KeyQuestion)


def normalise(value: str | None) -> str | None:
    """CQC's value in our spelling: 'Requires Improvement' → 'Requires improvement'; non-ratings kept as given."""
    if value is None:
        return None
    text = " ".join(str(value).split())
    if not text:
        return None
    rank = RANKS.get(text.lower())
    return LABELS[rank] if rank else text


def rank(value: str | None) -> int | None:
    """4 Outstanding … 1 Inadequate; None for non-ratings ('Inspected but not rated', 'No action' …)."""
    return RANKS.get(" ".join(str(value).split()).lower()) if value else None


def is_rating(value: str | None) -> bool:
    return rank(value) is not None


def question_for(name: str | None) -> KeyQuestion | None:
    return QUESTION_BY_NAME.get(" ".join((name or "").split()).lower())


@dataclass(frozen=True)
class Rating:
    value: str
    published_on: date | None = None
    report_link: str | None = None


@dataclass(frozen=True)
class Report:
    """Ratings published together: one CQC report, an assessment, a file row group or a hand entry."""

    published_on: date | None
    ratings: dict[KeyQuestion, Rating]
    report_link: str | None = None


@dataclass
class State:
    """The ratings in force after a report: what a snapshot stores."""

    published_on: date | None
    ratings: dict[KeyQuestion, Rating] = field(default_factory=dict)

    def fingerprint(self) -> str:
        parts = [str(self.published_on)]
        for q in QUESTIONS:
            r = self.ratings.get(q)
            parts.append(f"{q.value}={r.value}@{r.published_on}" if r else f"{q.value}=")
        return hashlib.sha256("|".join(parts).encode()).hexdigest()

    def same_as(self, other: State) -> bool:
        """Same ratings from the same reports: a later report that confirms a rating is still a new state."""
        return {q: (r.value, r.published_on) for q, r in self.ratings.items()} == {
            q: (r.value, r.published_on) for q, r in other.ratings.items()
        }


def _apply(state: dict[KeyQuestion, Rating], report: Report) -> None:
    for question, rating in report.ratings.items():
        held = state.get(question)
        # 'Inspected but not rated' leaves a real rating in force; it is recorded only where none exists.
        if is_rating(rating.value) or held is None or not is_rating(held.value):
            state[question] = rating


def build_history(reports: Iterable[Report], current: Report | None = None) -> list[State]:
    """The states after each report, oldest first, one per change; CQC's current ratings are final.

    Reports dated on or after the current ratings, or sharing their report link, are left out:
    CQC lists later 'inspected but not rated' visits in the history, and the current block already
    carries the rest.
    """
    cutoff = current.published_on if current else None
    chosen = [
        r
        for r in reports
        if current is None
        or ((cutoff is None or r.published_on is None or r.published_on < cutoff)
            and (r.report_link is None or r.report_link != current.report_link))
    ]  # fmt: skip
    chosen.sort(key=lambda r: r.published_on or date.min)
    states: list[State] = []
    running: dict[KeyQuestion, Rating] = {}
    for report in chosen:
        _apply(running, report)
        _append_if_changed(states, State(report.published_on, dict(running)))
    if current is not None:
        final = dict(running)
        final.update(current.ratings)  # authoritative, question by question
        _append_if_changed(states, State(current.published_on, final))
    return states


def _append_if_changed(states: list[State], state: State) -> None:
    if not states or not states[-1].same_as(state):
        states.append(state)


@dataclass(frozen=True)
class Change:
    question: KeyQuestion
    before: str
    after: str
    direction: ChangeDirection
    published_on: date | None
    report_link: str | None

    @property
    def high_severity(self) -> bool:
        """A drop to Inadequate, or any drop in Overall."""
        return self.direction == ChangeDirection.DECLINE and (
            self.question == KeyQuestion.OVERALL or rank(self.after) == 1
        )

    def describe(self) -> str:
        """'Safe: Good → Requires improvement, report 2026-05-01'."""
        when = f", report {self.published_on.isoformat()}" if self.published_on else ""
        return f"{self.question.label}: {self.before} → {self.after}{when}"


def changes_in(after: State, last_real: dict[KeyQuestion, str]) -> list[Change]:
    """Declines and improvements a state brings against the last real ratings (updated in place)."""
    found = []
    for question in QUESTIONS:
        new = after.ratings.get(question)
        if new is None or not is_rating(new.value):
            continue
        old_value = last_real.get(question)
        if old_value is not None and rank(old_value) != rank(new.value):
            direction = ChangeDirection.DECLINE if rank(new.value) < rank(old_value) else ChangeDirection.IMPROVEMENT
            found.append(Change(question, old_value, new.value, direction, new.published_on, new.report_link))
        last_real[question] = new.value
    return found


def detect_changes(states: list[State]) -> list[list[Change]]:
    """For each state (oldest first), the changes it brought against the last real ratings before it."""
    last_real: dict[KeyQuestion, str] = {}
    return [changes_in(state, last_real) for state in states]
