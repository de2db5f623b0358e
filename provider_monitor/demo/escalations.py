"""Demo escalations, replayed decision by decision through the services so every timer, meeting and level holds.

About 5% of active external services are escalated, mostly at levels 1 and 2, with two red suspensions (one
just decided, its letter due soon; one whose letter was never recorded), one stepped down from red to amber,
an organisational safeguarding enquiry (level 4), a provider-wide level 2, and some escalations closed. Concerns
come from every source; ~3% of services have one open.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from provider_monitor.demo.concerns import Backdate, ConcernLog, at
from provider_monitor.demo.escalation_notes import (
    CLOSE,
    CONDITIONS,
    ENQUIRY_PARTNERS,
    ESCALATE,
    MEETINGS,
    REVIEWS,
    STEP_DOWN,
    THEMES,
)
from provider_monitor.demo.profiles import CARE_HOMES
from provider_monitor.enums import (
    VISITED_STATUSES,
    ActionKind,
    ActionPriority,
    ConcernStatus,
    KeyQuestion,
    MeetingKind,
    Role,
    Sector,
    ServiceStatus,
    ServiceType,
    TimerKind,
    VisitPurpose,
)
from provider_monitor.enums import ConcernCategory as C
from provider_monitor.enums import ConcernSeverity as Sev
from provider_monitor.enums import ConcernSource as Src
from provider_monitor.enums import SuspensionStatus as S
from provider_monitor.models import (
    Action,
    ActionEvent,
    Concern,
    Escalation,
    EscalationDecision,
    EscalationMeeting,
    EscalationTimer,
    Provider,
    RatingSnapshot,
    Service,
    User,
    Visit,
)  # fmt: skip
from provider_monitor.services import escalation_rules as rules
from provider_monitor.services import escalations
from provider_monitor.services.actions import actor_label
from provider_monitor.services.escalations import DecisionInput
from provider_monitor.services.working_days import add_working_days, is_working_day

ESCALATED_SHARE, CLOSED_SHARE, OPEN_CONCERN_SHARE = 0.05, 0.02, 0.03
INTERVAL = {1: 49, 2: 35, 3: 28, 4: 28, 5: 14}  # days between reviews, by level


@dataclass
class Step:
    day: date
    level: int
    reason: str
    suspension: S | None = None
    conditions: str | None = None
    after: list[tuple[TimerKind, date, str]] = field(default_factory=list)  # timers met after this decision


@dataclass
class Target:
    provider: Provider
    service: Service | None
    lead: User
    manager: User
    themes: list[tuple[date, str]] = field(default_factory=list)  # what the concerns were about, and since when

    @property
    def service_id(self) -> int | None:
        return self.service.id if self.service else None

    def text(self, template: str, on: date) -> str:
        """The template in words, naming the themes of the concerns received by then."""
        themes = list(dict.fromkeys(theme for day, theme in self.themes if day <= on)) or ["the quality of care"]
        joined = themes[0] if len(themes) == 1 else f"{', '.join(themes[:-1])} and {themes[-1]}"
        return template.format(themes=joined, provider=self.provider.name)


def workday(day: date) -> date:
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


class EscalationMaker:
    def __init__(self, session: Session, rng: random.Random, today: date, services, staff):
        self.session, self.rng, self.today = session, rng, today
        self.active = [
            (p, s) for p, s in sorted(services, key=lambda pair: pair[1].id)
            if s.status == ServiceStatus.ACTIVE and s.regulated and p.sector != Sector.COUNCIL_RUN
        ]  # fmt: skip
        # Shares are of every active external service, though only regulated ones are picked.
        self.population = sum(s.status == ServiceStatus.ACTIVE and p.sector != Sector.COUNCIL_RUN for p, s in services)
        self.users = {u.id: u for users in staff.by_role.values() for u in users}
        self.by_role = staff.by_role
        self.authority = escalations.load_authority(session)
        self.settings = escalations.load_timer_settings(session)
        self.backdate = Backdate()
        self.visits: dict[int, list[tuple[int, date, bool]]] = {}
        local = {}
        for visit_id, service_id, visited_on, purpose, rating in session.execute(
            sa.select(Visit.id, Visit.service_id, Visit.visited_on, Visit.purpose, Visit.local_rating)
            .where(Visit.status.in_(VISITED_STATUSES)).order_by(Visit.visited_on, Visit.id)
        ):  # fmt: skip
            self.visits.setdefault(service_id, []).append((visit_id, visited_on, purpose == VisitPurpose.CONCERN))
            local[service_id] = rating
        overall = dict(session.execute(sa.select(RatingSnapshot.service_id, RatingSnapshot.overall)
                                       .where(RatingSnapshot.is_current.is_(True))).all())  # fmt: skip
        weights = {"Inadequate": 10, "Requires improvement": 4}
        self.risk = {
            s.id: 1 + weights.get(overall.get(s.id) or "", 0) + weights.get(local.get(s.id) or "", 0) * 0.8
            for _, s in self.active
        }  # fmt: skip
        self.log = ConcernLog(session, rng, today, self.backdate, self.visits)
        self.used: set[int] = set()

    # People ---------------------------------------------------------------------------------------

    def target(self, provider: Provider, service: Service | None, lead_from: Service | None = None) -> Target:
        lead = self.users.get((service or lead_from).link_officer_id) or self.by_role[Role.OFFICER][0]
        if service is not None:
            self.used.add(service.id)
        return Target(provider, service, lead, self.rng.choice(self.by_role[Role.MANAGER]))

    def decider(self, target: Target, level: int) -> User:
        """The least senior of the manager, head of service and director with authority at this level."""
        for user in (target.manager, self.by_role[Role.HEAD_OF_SERVICE][0], self.by_role[Role.DIRECTOR][0]):
            if rules.may_decide(user.role, level, self.authority):
                return user
        raise ValueError(f"No demo account may decide at level {level}")

    # Concerns -------------------------------------------------------------------------------------

    def concern(self, target: Target, received: date, source: Src, category: C | None = None,
                severity: Sev = Sev.HIGH, *, close_on: date | None = None, action: bool = True) -> Concern:  # fmt: skip
        service = target.service or self.services_of(target.provider)[0]
        concern = self.log.log(target.provider.id, target.service, received, target.lead, source=source,
                               category=category, severity=severity, like=service)  # fmt: skip
        target.themes.append((received, THEMES[concern.category]))
        raised = received + timedelta(days=self.rng.randint(2, 8))
        if action and raised < self.today:
            self.log.raise_action(concern, service, target.lead, raised)
        if close_on is not None and close_on < self.today:
            self.log.close(concern, max(close_on, received), target.lead)
        return concern

    def services_of(self, provider: Provider) -> list[Service]:
        return [s for p, s in self.active if p is provider]

    # Decisions, timers and meetings ------------------------------------------------------------------

    def fill(self, steps: list[Step], end: date | None) -> list[Step]:
        """Reviews (level kept) between the steps at the level's interval, and up to `end` for an open one."""
        out, bounds = [], [s.day for s in steps[1:]] + [end]
        for step, until in zip(steps, bounds, strict=True):
            out.append(step)
            if until is None or step.level == 0:
                continue
            every = INTERVAL[step.level] + (self.rng.randint(-6, 6) if step.level < 3 else 0)
            day = step.day + timedelta(days=every)
            while day < until - timedelta(days=7):
                out.append(Step(workday(day), step.level, REVIEWS[step.level], step.suspension))
                day += timedelta(days=every)
        return out

    def story(self, target: Target, steps: list[Step], *, open_: bool = True, review: date | None = None) -> Escalation:
        """Take the steps' decisions in turn, each on its own day, with the reviews between them."""
        steps = self.fill(steps, self.today if open_ and review is None else None)
        level = 0
        for i, step in enumerate(steps):
            assert step.day <= self.today, step
            if step.level == 0:
                next_review = None
            elif i + 1 < len(steps):
                next_review = steps[i + 1].day + timedelta(days=self.rng.randint(0, 3))
            else:
                next_review = review or step.day + timedelta(days=INTERVAL[step.level])
            if level == rules.SUSPENSION_LEVEL:
                self.meet(target, None, TimerKind.SUSPENSION_REVIEW, step.day, "Reviewed at the decision that day.")
            decision = escalations.decide(
                self.session, provider_id=target.provider.id, service_id=target.service_id,
                decision=DecisionInput(
                    to_level=step.level, reason=target.text(step.reason, step.day), decided_on=step.day,
                    next_review_on=next_review, suspension_status=step.suspension, closing=step.level == 0,
                    conditions_to_step_down=step.conditions, lead_officer_id=target.lead.id if i == 0 else None,
                ),
                by=self.decider(target, max(level, step.level)), today=step.day,
            )  # fmt: skip
            self.backdate.add(EscalationDecision, decision.id, at(step.day, self.rng), "recorded_at")
            for kind, day, note in step.after:
                self.meet(target, decision, kind, day, note)
            level = step.level
        escalation = self.session.get_one(Escalation, decision.escalation_id)
        self.backdate.add(Escalation, escalation.id, at(steps[0].day, self.rng), "created_at")
        self.backdate.add(Escalation, escalation.id, at(steps[-1].day, self.rng), "updated_at")
        return escalation

    def meet(self, target: Target, decision: EscalationDecision | None, kind: TimerKind, on: date, note: str) -> None:
        """Record a deadline met (a decision's own timer, or any still running on this escalation)."""
        stmt = sa.select(EscalationTimer).where(EscalationTimer.kind == kind, EscalationTimer.met_on.is_(None))
        if decision is not None:
            stmt = stmt.where(EscalationTimer.decision_id == decision.id)
        else:
            open_one = escalations.open_escalation(
                self.session, provider_id=target.provider.id, service_id=target.service_id
            )
            stmt = stmt.where(EscalationTimer.escalation_id == open_one.id)
        for timer in self.session.scalars(stmt):
            escalations.meet_timer(self.session, timer, on=max(on, timer.started_on), note=note, by=target.lead,
                                   today=self.today)  # fmt: skip

    def suspended(self, day: date, *, letter: bool = True, appeal: str | None = None) -> list:
        """What was met after a suspension: the letter a few working days on, the appeal window when it ended."""
        met = []
        if letter:
            sent = add_working_days(day, self.rng.randint(2, self.settings.suspension_letter_working_days - 1))
            met.append((TimerKind.SUSPENSION_LETTER, sent, "Letter and remedial action plan sent by email and post."))
        closes = add_working_days(day, self.settings.appeal_working_days)
        if closes < self.today:
            met.append((TimerKind.APPEAL, closes, appeal or "No appeal received within the window."))
        return met

    def meeting(self, escalation: Escalation, target: Target, kind: MeetingKind, day: date, *, level: int = 2,
                action: str | None = None) -> EscalationMeeting | None:  # fmt: skip
        if day > self.today:
            return None
        minutes, decisions, internal, organisations = MEETINGS[kind]
        rng, names = self.rng, []
        if kind != MeetingKind.REVIEW:
            names.append(actor_label(self.decider(target, level)))
            organisations += ENQUIRY_PARTNERS if level >= 4 else ""
        names += [actor_label(target.manager), actor_label(target.lead)]
        from provider_monitor.demo.names import person_name

        if kind in (MeetingKind.DECISION, MeetingKind.INITIAL, MeetingKind.FINDINGS, MeetingKind.OTHER):
            names += [
                f"{person_name(rng)} ({role})" for role in ("CQC inspector", "ICB quality lead", "Safeguarding team")
            ]
        if kind in (MeetingKind.INITIAL, MeetingKind.REVIEW):
            names += [
                f"{person_name(rng)} ({role}, {target.provider.name})"
                for role in ("Registered manager", "Operations director")
            ]
        data = {
            "kind": kind, "held_on": day, "attendees": "; ".join(names),
            "organisations": target.text("Nottinghamshire County Council, " + organisations, day),
            "minutes": target.text(minutes, day), "minutes_internal": internal, "decisions": decisions,
        }  # fmt: skip
        meeting = escalations.record_meeting(self.session, escalation, data, by=target.lead, today=self.today)
        self.backdate.add(EscalationMeeting, meeting.id, at(day, rng), "created_at", "updated_at")
        if action:
            service = target.service or self.services_of(target.provider)[0]
            raised = escalations.raise_meeting_action(
                self.session, escalation, meeting, service.id, {
                    "description": action, "key_question": KeyQuestion.SAFE, "kind": ActionKind.CORRECTIVE,
                    "priority": ActionPriority.HIGH, "due_on": day + timedelta(days=14), "owner": "Registered manager",
                }, by=target.lead,
            )  # fmt: skip
            self.backdate.add(Action, raised.id, at(day, rng), "created_at", "updated_at")
            self.backdate.add(ActionEvent, raised.id, at(day, rng), "at", by="action_id")
        return meeting

    # Who is escalated --------------------------------------------------------------------------------

    def ranked(self, types=None, *, since: int = 0) -> list[tuple[Provider, Service]]:
        """Unused active services, riskiest first (ties in random order); optionally of some types and age."""
        known = self.today - timedelta(days=since)
        pairs = [
            (p, s) for p, s in self.active if s.id not in self.used and (types is None or s.service_type in types)
            and (s.contract_start or s.registration_date or known) <= known
        ]  # fmt: skip
        keys = {s.id: (-self.risk[s.id], self.rng.random()) for _, s in pairs}
        return sorted(pairs, key=lambda pair: keys[pair[1].id])

    def riskiest(self, types, since: int) -> tuple[Provider, Service]:
        return (self.ranked(types, since=since) or self.ranked(since=since) or self.ranked())[0]

    def sample(self, count: int, since: int) -> list[tuple[Provider, Service]]:
        """Services drawn in proportion to their risk, without replacement."""
        pool, chosen = self.ranked(since=since), []
        while pool and len(chosen) < count:
            pick = self.rng.choices(range(len(pool)), weights=[self.risk[s.id] for _, s in pool])[0]
            chosen.append(pool.pop(pick))
        for _, service in chosen:
            self.used.add(service.id)
        return chosen

    # The suspensions, the enquiry and the provider-wide escalation -------------------------------------

    def new_red(self) -> None:
        """Suspended a few working days ago: its letter and appeal window are due soon."""
        target = self.target(*self.riskiest((ServiceType.CARE_HOME_NURSING, ServiceType.CARE_HOME), 400))
        t = self.today
        suspended = next(
            (d for d in (t - timedelta(days=n) for n in range(1, 15)) if is_working_day(d)
             and 1 <= (add_working_days(d, self.settings.suspension_letter_working_days) - t).days
             <= min(3, self.settings.due_soon_days)),
            workday(t - timedelta(days=1)),
        )  # fmt: skip
        self.concern(target, t - timedelta(days=128), Src.HEALTH, C.MEDICATION, Sev.MEDIUM, close_on=t - timedelta(90))
        self.concern(target, t - timedelta(days=41), Src.WHISTLEBLOWER, C.STAFFING)
        self.concern(target, suspended - timedelta(days=3), Src.SAFEGUARDING, C.SAFEGUARDING, Sev.CRITICAL)
        l2 = workday(t - timedelta(days=35))
        escalation = self.story(target, [
            Step(workday(t - timedelta(days=120)), 1, ESCALATE[1], conditions=CONDITIONS[1]),
            Step(l2, 2, ESCALATE[2], conditions=CONDITIONS[2]),
            Step(suspended, 3, ESCALATE[3], S.RED, CONDITIONS[3], self.suspended(suspended, letter=False)),
        ], review=suspended + timedelta(weeks=self.settings.suspension_review_weeks))  # fmt: skip
        self.meeting(escalation, target, MeetingKind.DECISION, l2)
        returns = "Send the council a daily staffing return, nights included, until the findings meeting."
        self.meeting(escalation, target, MeetingKind.INITIAL, workday(l2 + timedelta(days=12)), action=returns)
        self.meeting(escalation, target, MeetingKind.OTHER, suspended)

    def letter_missed(self) -> None:
        """Red for about three weeks; the appeal was heard, but the suspension letter was never recorded."""
        target = self.target(*self.riskiest((ServiceType.HOME_CARE,), 300))
        t = self.today
        l2, suspended = workday(t - timedelta(days=75)), workday(t - timedelta(days=20))
        self.concern(target, l2 - timedelta(days=6), Src.FAMILY, C.SAFEGUARDING)
        self.concern(target, l2 - timedelta(days=2), Src.COMPLAINT, C.CARE_PRACTICE, Sev.MEDIUM)
        self.concern(target, suspended - timedelta(days=4), Src.WHISTLEBLOWER, C.STAFFING, Sev.CRITICAL)
        appeal = "Provider appealed in writing; the head of service heard the appeal and upheld the suspension."
        escalation = self.story(target, [
            Step(l2, 2, ESCALATE[2], conditions=CONDITIONS[2]),
            Step(suspended, 3, ESCALATE[3], S.RED, CONDITIONS[3],
                 self.suspended(suspended, letter=False, appeal=appeal)),
        ], review=suspended + timedelta(weeks=self.settings.suspension_review_weeks))  # fmt: skip
        self.meeting(escalation, target, MeetingKind.DECISION, l2)
        self.meeting(escalation, target, MeetingKind.INITIAL, workday(l2 + timedelta(days=9)))
        self.meeting(escalation, target, MeetingKind.REVIEW, workday(l2 + timedelta(days=40)))

    def stepped_to_amber(self) -> None:
        """Red for two months, reviewed at week 4, then stepped down to amber with its reason."""
        target = self.target(*self.riskiest(CARE_HOMES, 500))
        t = self.today
        l1, l2, red, amber = (workday(t - timedelta(days=n)) for n in (210, 130, 78, 21))
        self.concern(target, l1 - timedelta(days=5), Src.CQC, C.GOVERNANCE, Sev.MEDIUM, close_on=l1 + timedelta(40))
        self.concern(target, l2 - timedelta(days=4), Src.FAMILY, C.CARE_PRACTICE)
        self.concern(target, red - timedelta(days=3), Src.POLICE, C.SAFEGUARDING, Sev.CRITICAL)
        escalation = self.story(target, [
            Step(l1, 1, ESCALATE[1], conditions=CONDITIONS[1]),
            Step(l2, 2, ESCALATE[2], conditions=CONDITIONS[2]),
            Step(red, 3, ESCALATE[3], S.RED, CONDITIONS[3], self.suspended(red)),
            Step(amber, 3, STEP_DOWN[S.AMBER], S.AMBER, CONDITIONS[3]),
        ], review=t + timedelta(days=self.rng.randint(8, 20)))  # fmt: skip
        self.meeting(escalation, target, MeetingKind.DECISION, l2)
        self.meeting(escalation, target, MeetingKind.INITIAL, workday(l2 + timedelta(days=11)))
        self.meeting(escalation, target, MeetingKind.OTHER, red)
        self.meeting(escalation, target, MeetingKind.REVIEW, workday(red + timedelta(days=27)))
        self.meeting(escalation, target, MeetingKind.FINDINGS, workday(amber - timedelta(days=3)))

    def enquiry(self) -> None:
        """Suspended, then an organisational safeguarding enquiry led by the director; its review is due soon."""
        target = self.target(*self.riskiest((ServiceType.CARE_HOME_NURSING, ServiceType.CARE_HOME), 600))
        t = self.today
        l2, red, l4 = (workday(t - timedelta(days=n)) for n in (250, 235, 190))
        self.concern(target, l2 - timedelta(days=3), Src.SAFEGUARDING, C.SAFEGUARDING, Sev.HIGH)
        self.concern(target, red - timedelta(days=2), Src.HEALTH, C.CARE_PRACTICE)
        self.concern(target, l4 - timedelta(days=6), Src.POLICE, C.SAFEGUARDING, Sev.CRITICAL)
        self.concern(target, l4 - timedelta(days=3), Src.SAFEGUARDING, C.SAFEGUARDING, Sev.CRITICAL)
        no_appeal = "No appeal: the suspension followed serious safeguarding concerns."
        escalation = self.story(target, [
            Step(l2, 2, ESCALATE[2], conditions=CONDITIONS[2]),
            Step(red, 3, ESCALATE[3], S.RED, CONDITIONS[3], self.suspended(red, appeal=no_appeal)),
            Step(l4, 4, ESCALATE[4], conditions=CONDITIONS[4]),
            *(Step(workday(l4 + timedelta(days=28 * n)), 4, REVIEWS[4]) for n in range(1, 7)),
        ], open_=False, review=t + timedelta(days=self.rng.randint(1, self.settings.due_soon_days)))  # fmt: skip
        self.meeting(escalation, target, MeetingKind.DECISION, l2)
        self.meeting(escalation, target, MeetingKind.INITIAL, workday(l2 + timedelta(days=10)))
        self.meeting(escalation, target, MeetingKind.OTHER, red)
        self.meeting(escalation, target, MeetingKind.DECISION, l4, level=4)
        for n in (2, 4, 6):
            self.meeting(escalation, target, MeetingKind.REVIEW, workday(l4 + timedelta(days=28 * n)), level=4)

    def provider_wide(self, avoid: int | None) -> None:
        """A group with wages paid late and staffing concerns across its branches: level 2 for all its services."""
        groups = Counter(p.id for p, s in self.active if s.id not in self.used)
        candidates = [p for p, s in self.active if groups[p.id] >= 3 and p.id != avoid]
        if not candidates:
            return
        provider = max(candidates, key=lambda p: (sum(self.risk[s.id] for s in self.services_of(p)), -p.id))
        target = self.target(provider, None, lead_from=self.services_of(provider)[0])
        t = self.today
        l1, l2 = workday(t - timedelta(days=160)), workday(t - timedelta(days=55))
        self.concern(target, l1 - timedelta(days=7), Src.PROVIDER, C.FINANCIAL, Sev.MEDIUM)
        self.concern(target, l2 - timedelta(days=5), Src.WHISTLEBLOWER, C.STAFFING)
        self.concern(target, l2 - timedelta(days=3), Src.HEALTH, C.FINANCIAL)
        escalation = self.story(target, [
            Step(l1, 1, ESCALATE[1], conditions=CONDITIONS[1]),
            Step(l2, 2, ESCALATE[2], conditions=CONDITIONS[2]),
        ])  # fmt: skip
        self.meeting(escalation, target, MeetingKind.DECISION, l2)
        plan = "Send a business continuity plan covering every branch, and confirm staff wages are paid on time."
        self.meeting(escalation, target, MeetingKind.INITIAL, workday(l2 + timedelta(days=10)), action=plan)

    # Everyone else -----------------------------------------------------------------------------------

    def ordinary(self, pair, level: int) -> None:
        """Level 1 (some stepped down from 2) or level 2, opened some months ago and reviewed since."""
        target, rng, t = self.target(*pair), self.rng, self.today
        start = workday(t - timedelta(days=rng.randint(25, 330)))
        anchors = [
            v for v in self.visits.get(pair[1].id, ()) if v[2] and t - timedelta(330) <= v[1] <= t - timedelta(35)
        ]
        if anchors:  # opened after the concern-led visit that found the problems
            start = workday(anchors[-1][1] + timedelta(days=rng.randint(5, 15)))
        first = rng.choice((Src.FAMILY, Src.PUBLIC, Src.HEALTH, Src.COMPLAINT, Src.CQC, Src.WHISTLEBLOWER))
        received = (anchors[-1][1] if anchors else start) - timedelta(days=rng.randint(3, 12))
        steps = [Step(start, 1, "", conditions=CONDITIONS[1])]
        self.concern(target, received, first, severity=Sev.MEDIUM, close_on=start + timedelta(rng.randint(20, 60)))
        if level == 2 or (start < t - timedelta(200) and rng.random() < 0.3):
            up = workday(
                start + timedelta(days=rng.randint(30, 60))
                if level == 1
                else max(start + timedelta(days=21), t - timedelta(days=rng.randint(20, 120)))
            )
            self.concern(
                target,
                up - timedelta(days=rng.randint(2, 9)),
                rng.choice((Src.SAFEGUARDING, Src.WHISTLEBLOWER, Src.FAMILY)),
                close_on=None if level == 2 else up + timedelta(days=60),
            )
            steps.append(Step(up, 2, "", conditions=CONDITIONS[2]))
            if level == 1:
                steps.append(Step(workday(up + timedelta(days=rng.randint(56, 90))), 1, STEP_DOWN[2]))
        for step in steps:
            step.reason = step.reason or ESCALATE[step.level]
        escalation = self.story(target, steps)
        if any(s.level == 2 for s in steps):
            up = next(s.day for s in steps if s.level == 2)
            self.meeting(escalation, target, MeetingKind.DECISION, up)
            self.meeting(escalation, target, MeetingKind.INITIAL, workday(up + timedelta(days=rng.randint(7, 14))))
            if level == 1 or rng.random() < 0.5:
                self.meeting(
                    escalation, target, MeetingKind.FINDINGS, workday(up + timedelta(days=rng.randint(50, 60)))
                )
        elif rng.random() < 0.5:
            self.meeting(escalation, target, MeetingKind.REVIEW, workday(start + timedelta(days=rng.randint(20, 40))))

    def closed(self, pair, suspension: bool) -> None:
        """An escalation over and done with (stepped down and closed with reasons), and its concerns closed."""
        target, rng, t = self.target(*pair), self.rng, self.today
        start = workday(t - timedelta(days=rng.randint(260, 900)))
        self.concern(target, start - timedelta(days=6), rng.choice(list(Src)), severity=Sev.MEDIUM, action=False,
                     close_on=start + timedelta(days=rng.randint(20, 50)))  # fmt: skip
        steps, day = [Step(start, 1, ESCALATE[1], conditions=CONDITIONS[1])], start
        if suspension or rng.random() < 0.3:
            day = workday(day + timedelta(days=rng.randint(30, 50)))
            steps.append(Step(day, 2, ESCALATE[2], conditions=CONDITIONS[2]))
            if suspension:
                day = workday(day + timedelta(days=30))
                steps.append(Step(day, 3, ESCALATE[3], S.RED, CONDITIONS[3], self.suspended(day)))
                day = workday(day + timedelta(days=42))
                steps.append(Step(day, 3, STEP_DOWN[S.AMBER], S.AMBER, CONDITIONS[3]))
                steps.append(Step(workday(day + timedelta(days=28)), 1, STEP_DOWN[3], conditions=CONDITIONS[1]))
            else:
                steps.append(Step(workday(day + timedelta(days=60)), 1, STEP_DOWN[2], conditions=CONDITIONS[1]))
        steps.append(Step(workday(steps[-1].day + timedelta(days=rng.randint(60, 150))), 0, CLOSE))
        self.story(target, steps, open_=False)

    def standalone(self, opened: int, closed: int) -> None:
        """Concerns at services not escalated: every source, a few open now, most long since closed."""
        rng, t = self.rng, self.today
        sources = rng.sample(list(Src), len(Src))
        weights = {Src.FAMILY: 5, Src.COMPLAINT: 4, Src.PUBLIC: 3, Src.HEALTH: 3, Src.PROVIDER: 3, Src.CQC: 2}
        for i, pair in enumerate(self.sample(opened + closed, since=60)):
            source = sources[i] if i < len(sources) else rng.choices(list(Src), [weights.get(s, 1) for s in Src])[0]
            target = self.target(*pair)
            if i < opened:
                received, severity = t - timedelta(days=rng.randint(1, 40)), rng.choice((Sev.LOW, Sev.MEDIUM))
                self.concern(target, received, source, severity=severity, action=rng.random() < 0.5)
            else:
                received = t - timedelta(days=rng.randint(60, 700))
                self.concern(target, received, source, severity=rng.choice((Sev.LOW, Sev.MEDIUM, Sev.HIGH)),
                             action=False, close_on=received + timedelta(days=rng.randint(7, 50)))  # fmt: skip

    def build(self, provider_user: User | None) -> None:
        self.new_red()
        self.letter_missed()
        self.stepped_to_amber()
        self.enquiry()
        self.provider_wide(provider_user.provider_id if provider_user else None)
        escalated = max(10, round(ESCALATED_SHARE * self.population)) - 5
        picks = sorted(self.sample(escalated, since=120), key=lambda pair: -self.risk[pair[1].id])
        own = [pair for pair in self.ranked(since=120) if provider_user and pair[0].id == provider_user.provider_id]
        if own and not any(p.id == provider_user.provider_id for p, _ in picks):
            self.used.discard(picks[-1][1].id)
            picks[-1] = own[0]  # the demo provider user has an escalation to see
            self.used.add(own[0][1].id)
        for i, pair in enumerate(picks):
            self.ordinary(pair, 2 if i < round(escalated * 0.35) else 1)
        suspended_once = self.ranked(CARE_HOMES | {ServiceType.HOME_CARE}, since=700)
        self.closed(self.rng.choice(suspended_once[len(suspended_once) // 2 :]), suspension=True)
        for pair in self.sample(max(2, round(CLOSED_SHARE * self.population) - 1), since=400):
            self.closed(pair, suspension=False)
        with_open = self.session.scalar(
            sa.select(sa.func.count(sa.distinct(Concern.service_id))).where(Concern.status == ConcernStatus.OPEN)
        )
        opened = max(2, round(OPEN_CONCERN_SHARE * self.population) - with_open)
        self.standalone(opened, max(len(Src), round(0.04 * self.population)))
        self.session.flush()
        self.backdate.write(self.session)
        self.session.expire_all()


def add_escalations(session: Session, rng: random.Random, services, staff, today: date) -> None:
    """Concerns and escalations for the demo market (flushed services, visits and staff; the caller commits)."""
    provider_users = staff.by_role.get(Role.PROVIDER) or [None]
    EscalationMaker(session, rng, today, services, staff).build(provider_users[0])
    session.flush()


def summary_line(session: Session, today: date) -> str:
    """One line on concerns and escalations: how many, at which levels, and the timers that need attention."""
    concerns = Counter(dict(session.execute(sa.select(Concern.status, sa.func.count()).group_by(Concern.status)).all()))
    at_services = session.scalar(
        sa.select(sa.func.count(sa.distinct(Concern.service_id))).where(Concern.status == ConcernStatus.OPEN)
    )
    levels = Counter()
    for level, status, closed_on in session.execute(
        sa.select(Escalation.level, Escalation.suspension_status, Escalation.closed_on)
    ):
        levels["closed" if closed_on else status.value if status else level] += 1
    settings = escalations.load_timer_settings(session)
    pending = (
        sa.select(EscalationTimer.due_on)
        .join(Escalation)
        .where(Escalation.closed_on.is_(None), EscalationTimer.met_on.is_(None))
    )
    states = Counter(rules.timer_state(due_on, None, today, settings).value for due_on in session.scalars(pending))
    open_total = sum(n for key, n in levels.items() if key != "closed")
    return (
        f"Concerns: {sum(concerns.values())} ({concerns[ConcernStatus.OPEN]} open at {at_services} services, "
        f"{concerns[ConcernStatus.CLOSED]} closed). Escalations: {open_total} open (level 1 {levels[1]}, "
        f"level 2 {levels[2]}, level 3 red {levels['red']}, amber {levels['amber']}, level 4 {levels[4]}, "
        f"level 5 {levels[5]}), {levels['closed']} closed; deadlines missed {states['missed']}, "
        f"due soon {states['due_soon']}."
    )
