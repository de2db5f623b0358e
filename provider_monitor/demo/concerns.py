"""Demo concerns: logged, linked to visits, acted on and closed through the concerns service, in the council's words."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from provider_monitor.demo import names
from provider_monitor.demo.profiles import CARE_HOMES
from provider_monitor.demo.visit_notes import OWNERS
from provider_monitor.enums import ActionKind, ActionPriority, KeyQuestion
from provider_monitor.enums import ConcernCategory as C
from provider_monitor.enums import ConcernSeverity as Sev
from provider_monitor.enums import ConcernSource as Src
from provider_monitor.models import Action, ActionEvent, Concern, Service, User, Visit
from provider_monitor.services import concerns

# What each source tends to tell the council about.
CATEGORIES = {
    Src.PUBLIC: (C.CARE_PRACTICE, C.ENVIRONMENT),
    Src.FAMILY: (C.CARE_PRACTICE, C.SAFEGUARDING, C.STAFFING, C.ENVIRONMENT),
    Src.WHISTLEBLOWER: (C.STAFFING, C.SAFEGUARDING, C.MEDICATION, C.GOVERNANCE),
    Src.CQC: (C.GOVERNANCE, C.MEDICATION, C.ENVIRONMENT),
    Src.HEALTH: (C.MEDICATION, C.CARE_PRACTICE, C.SAFEGUARDING),
    Src.SAFEGUARDING: (C.SAFEGUARDING,),
    Src.COMPLAINT: (C.CARE_PRACTICE, C.STAFFING, C.GOVERNANCE),
    Src.POLICE: (C.SAFEGUARDING,),
    Src.PROVIDER: (C.MEDICATION, C.STAFFING, C.ENVIRONMENT, C.FINANCIAL),
}
# (in a care home, in the community): what was reported.
DESCRIPTIONS = {
    C.SAFEGUARDING: (
        (
            "Unexplained bruising to the arms of a resident living with dementia, seen by their daughter on a visit; "
            "nothing in the care notes and no referral made.",
            "A resident was found on the floor of their room at 6am; staff said they had been checked hourly but the "
            "night records were written up in one hand after the shift.",
            "Grade 3 pressure ulcer found when a resident was admitted to hospital; no repositioning charts for the "
            "previous week.",
        ),
        (
            "A person was left without food or drink for most of a day after two calls in a row were missed.",
            "Allegation that a care worker took money from a person's purse during a morning call.",
            "A person with diabetes was found unwell at a lunch call; the morning call had been logged as done but the "
            "electronic call monitoring shows no visit.",
        ),
    ),
    C.STAFFING: (
        (
            "Nights regularly covered by one nurse and two care staff for 40 residents, several of whom need two "
            "people to move them.",
            "Heavy use of agency staff who do not know residents; no induction records for agency workers.",
        ),
        (
            "Care workers report double-booked calls and no travel time, so calls are cut short.",
            "Rotas show the same three staff covering every weekend; no registered manager cover at weekends.",
        ),
    ),
    C.MEDICATION: (
        (
            "Time-critical Parkinson's medicines given hours late on several days; gaps on the MAR charts.",
            "The controlled drugs register does not balance; two fentanyl patches unaccounted for.",
        ),
        (
            "A person was given another person's evening medicines; GP called, no lasting harm.",
            "Medicines prompts missed on four days in a fortnight; the person's family found tablets in the pot.",
        ),
    ),
    C.CARE_PRACTICE: (
        (
            "Family report their father is often in wet clothing and bedding when they visit in the afternoon.",
            "Three residents lost more than 5% of their weight in a month with no referral to the dietitian.",
        ),
        (
            "Care plan not updated after a fall; the falls risk assessment was last reviewed eight months ago.",
            "Calls regularly 60 to 90 minutes late, so a person waits in bed until nearly noon.",
        ),
    ),
    C.ENVIRONMENT: (
        (
            "Fire doors wedged open on the first floor; an action from the fire service's audit is still outstanding.",
            "Strong smell of urine in the lounge and soiled mattresses in two bedrooms.",
        ),
        (
            "Broken heating in the shared flat for a fortnight in cold weather; landlord repair not chased.",
            "Hoist in a person's home past its LOLER service date; staff still using it.",
        ),
    ),
    C.GOVERNANCE: (
        (
            "No registered manager for seven months; audits stopped and notifications to CQC not made.",
            "CQC warning notice under Regulation 12 (safe care and treatment) and Regulation 17 (good governance).",
            "Complaints not logged or answered; the home could not show a complaints record at the visit.",
        ),
        (
            "No registered manager for seven months; audits stopped and notifications to CQC not made.",
            "CQC warning notice under Regulation 17 (good governance) after an inspection of the branch.",
            "Complaints not logged or answered; the branch could not show a complaints record at the visit.",
        ),
    ),
    C.FINANCIAL: (
        (
            "Staff wages paid late two months running; the catering supplier has stopped deliveries on credit.",
            "The provider has told the council it may hand back its contract; occupancy has fallen to 60%.",
        ),
        (
            "Staff wages paid late two months running; fuel cards stopped for care workers.",
            "The provider has told the council it may hand back its contract for two rounds in the rural north.",
        ),
    ),
}
WHO = ("Night care assistant", "Senior carer", "Former deputy manager", "Agency nurse", "Care worker", "Cook")
SAFEGUARDING_DETAIL = (
    "Section 42 enquiry opened; alleged neglect. Enquiry officer from the adult safeguarding team; "
    "the person's GP and family informed; police not involved.",
    "Section 42 enquiry opened; alleged physical abuse by a named staff member, who is suspended pending the "
    "enquiry. Police informed; DBS referral to follow the outcome.",
    "Safeguarding referral screened as neglect and acts of omission; the person has capacity and agreed to the "
    "enquiry. Advocate arranged through the council's advocacy contract.",
    "Section 42 enquiry opened; alleged financial abuse. Police log number held by the safeguarding team; the "
    "care worker has been removed from the rota.",
)
CLOSING = (
    "Substantiated in part at the concern-led visit; corrective actions set and followed up in the action plan.",
    "Not substantiated: records and staff accounts checked at an unannounced visit; family told the outcome.",
    "Resolved by the provider: investigation shared with the council, staff retrained, family satisfied.",
    "Safeguarding enquiry concluded; the provider's actions verified at the follow-up visit.",
)
KEY_QUESTION = {
    C.SAFEGUARDING: KeyQuestion.SAFE, C.STAFFING: KeyQuestion.SAFE, C.MEDICATION: KeyQuestion.SAFE,
    C.CARE_PRACTICE: KeyQuestion.EFFECTIVE, C.ENVIRONMENT: KeyQuestion.SAFE, C.GOVERNANCE: KeyQuestion.WELL_LED,
    C.FINANCIAL: KeyQuestion.WELL_LED,
}  # fmt: skip
ACTIONS = {
    C.SAFEGUARDING: "Review every person's care plan and risk assessments for the risks found; send the council the "
    "outcome of the provider's own investigation.",
    C.STAFFING: "Staff to the assessed dependency on every shift; send four weeks of rotas and the dependency tool.",
    C.MEDICATION: "Daily MAR chart checks by a senior for six weeks; medicines competency reassessed for all staff.",
    C.CARE_PRACTICE: "Update care plans after any change in need and audit them monthly; send the audit results.",
    C.ENVIRONMENT: "Complete the outstanding environmental and fire safety works; send evidence of completion.",
    C.GOVERNANCE: "Restart the monthly audit programme and send the results; make outstanding CQC notifications.",
    C.FINANCIAL: "Send a business continuity plan and a cash-flow forecast for the next six months.",
}  # fmt: skip
DAYS_TO_DUE = {Sev.CRITICAL: 14, Sev.HIGH: 28, Sev.MEDIUM: 56, Sev.LOW: 90}
SEVERITIES = (Sev.LOW, Sev.MEDIUM, Sev.HIGH, Sev.CRITICAL)
# Harm, or the risk of it, is never a low-severity concern.
LEAST_SEVERE = {C.SAFEGUARDING: Sev.HIGH, C.MEDICATION: Sev.MEDIUM}


def at(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59)), tzinfo=UTC)


class Backdate:
    """Timestamps to set to the day things happened once everything is written (services stamp 'now')."""

    def __init__(self) -> None:
        self.rows: dict[tuple[sa.Table, str, str], list[dict]] = defaultdict(list)

    def add(self, model, key: int, when: datetime, *columns: str, by: str = "id") -> None:
        for column in columns:
            self.rows[(model.__table__, by, column)].append({"k": key, "v": when})

    def write(self, session: Session) -> None:
        # Table-level updates: not audited and no version bump (the history is what was written).
        for (table, by, column), rows in self.rows.items():
            stmt = sa.update(table).where(table.c[by] == sa.bindparam("k")).values({column: sa.bindparam("v")})
            session.execute(stmt, rows)


class ConcernLog:
    """Concerns for the demo, through the concerns service; remembers which are open where."""

    def __init__(self, session: Session, rng: random.Random, today: date, backdate: Backdate, visits: dict):
        self.session, self.rng, self.today, self.backdate = session, rng, today, backdate
        self.visits = visits  # service id -> [(visit id, visited on, concern-led)] of visits that took place

    def log(
        self, provider_id: int, service: Service | None, received_on: date, by: User, *, source: Src,
        category: C | None = None, severity: Sev = Sev.MEDIUM, like: Service | None = None,
    ) -> Concern:  # fmt: skip
        """A concern about the service (or, with no service, its provider's services, which are `like` one)."""
        rng = self.rng
        category = category or rng.choice(CATEGORIES[source])
        floor = LEAST_SEVERE.get(category, Sev.LOW)
        severity = max(severity, floor, key=SEVERITIES.index)
        residential = (service or like).service_type in CARE_HOMES
        data = {
            "provider_id": provider_id, "service_id": service.id if service else None, "received_on": received_on,
            "source": source, "category": category, "severity": severity,
            "description": rng.choice(DESCRIPTIONS[category][0 if residential else 1]),
            "people_affected": rng.choice((None, 1, 1, 2, 3)),
        }  # fmt: skip
        if source == Src.WHISTLEBLOWER or (source in (Src.FAMILY, Src.COMPLAINT) and rng.random() < 0.4):
            data["source_identity"] = self._identity(source)
            data["confidential"] = True
        if category == C.SAFEGUARDING or source == Src.SAFEGUARDING:
            number = received_on.timetuple().tm_yday * 12 + rng.randint(0, 11)  # numbered through the year
            data["safeguarding_reference"] = f"ASC-SG-{received_on.year}-{number:05d}"
            data["safeguarding_detail"] = rng.choice(SAFEGUARDING_DETAIL)
            data["confidential"] = True
        concern = concerns.log_concern(self.session, data, by=by, today=received_on)
        self.backdate.add(Concern, concern.id, at(received_on, rng), "created_at", "updated_at")
        if service is not None:
            self._link(concern, service.id, received_on)
        return concern

    def _identity(self, source: Src) -> str:
        name, phone = names.person_name(self.rng), f"07700 900{self.rng.randint(0, 999):03d}"
        if source == Src.WHISTLEBLOWER:
            return f"{self.rng.choice(WHO)}: {name}, {phone}. Asked not to be named to the provider."
        relation = self.rng.choice(("next of kin", "relative", "lasting power of attorney"))
        return f"{name} ({relation} of the person), {phone}"

    def _link(self, concern: Concern, service_id: int, received_on: date) -> None:
        """The visit or two that followed the concern up, concern-led ones first."""
        after = [v for v in self.visits.get(service_id, ()) if received_on <= v[1] <= received_on + timedelta(45)]
        for visit_id, _, _ in sorted(after, key=lambda v: (not v[2], v[1]))[:2]:
            concerns.link_visit(self.session, concern, self.session.get_one(Visit, visit_id))

    def raise_action(self, concern: Concern, service: Service, by: User, on: date) -> Action:
        """The action the officer set the provider when following the concern up."""
        rng = self.rng
        priority = ActionPriority.HIGH if concern.severity in (Sev.HIGH, Sev.CRITICAL) else ActionPriority.MEDIUM
        data = {
            "service_id": service.id, "description": ACTIONS[concern.category], "kind": ActionKind.CORRECTIVE,
            "key_question": KEY_QUESTION[concern.category], "priority": priority,
            "due_on": on + timedelta(days=DAYS_TO_DUE[concern.severity]), "owner": rng.choice(OWNERS),
        }  # fmt: skip
        action = concerns.raise_action(self.session, concern, data, by=by)
        when = at(on, rng)
        self.backdate.add(Action, action.id, when, "created_at", "updated_at")
        self.backdate.add(ActionEvent, action.id, when, "at", by="action_id")
        return action

    def close(self, concern: Concern, on: date, by: User, reason: str | None = None) -> None:
        reason = reason or self.rng.choice(CLOSING)
        concerns.close_concern(self.session, concern, reason=reason, on=on, by=by, today=self.today)
        self.backdate.add(Concern, concern.id, at(on, self.rng), "updated_at")
