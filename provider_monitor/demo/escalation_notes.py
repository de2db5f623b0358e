"""The words of the demo escalations: concern themes, decision reasons, conditions to step down and meetings."""

from __future__ import annotations

from provider_monitor.enums import ConcernCategory as C
from provider_monitor.enums import MeetingKind
from provider_monitor.enums import SuspensionStatus as S

THEMES = {
    C.SAFEGUARDING: "safeguarding", C.STAFFING: "staffing levels", C.MEDICATION: "medicines management",
    C.CARE_PRACTICE: "care planning", C.ENVIRONMENT: "the environment", C.GOVERNANCE: "leadership and governance",
    C.FINANCIAL: "financial viability",
}  # fmt: skip
ESCALATE = {
    1: "Concerns about {themes} substantiated: enhanced monitoring, with monthly QMM visits and an action plan.",
    2: "Concerns about {themes} from several sources, not resolved under enhanced monitoring: provider concerns "
    "process started, with multi-agency meetings.",
    3: "Unannounced visit confirmed {themes} putting people at risk: no new placements until the remedial action "
    "plan is met. Recommended by the QMM manager.",
    4: "Several Section 42 enquiries point to organisational neglect: organisational safeguarding enquiry with "
    "Safeguarding Adults Board partners, CQC and police. Placements stay suspended under the enquiry plan.",
}
REVIEWS = {
    1: "Reviewed at the quality monitoring meeting: actions partly complete, level kept.",
    2: "Reviewed with partners: improvement plan under way, enquiries still open; level kept.",
    3: "Reviewed at week 4: remedial action plan behind schedule; suspension continued.",
    4: "Enquiry plan reviewed with partners: enquiries continuing, every person's care reviewed; level kept.",
}
STEP_DOWN = {
    2: "Findings meeting: enquiries concluded and the improvement plan largely delivered; back to enhanced monitoring.",
    S.AMBER: "Remedial action plan mostly met: safe staffing for six weeks and clean medicines audits. Placements may "
    "resume with caution: one admission a week, the pre-admission assessment shared with the QMM team.",
    3: "Suspension lifted: remedial action plan verified complete at two unannounced visits.",
}
CLOSE = "Action plan verified complete and improvement sustained for three months: back to routine monitoring."
CONDITIONS = {
    1: "Action plan verified complete; two monthly visits in a row with no new corrective actions.",
    2: "Safeguarding enquiries concluded; improvement plan delivered and verified; no new concerns for eight weeks.",
    3: "Two waking staff at night for four weeks in a row; all MAR charts complete at two unannounced checks; "
    "the remedial action plan met.",
    4: "Enquiry plan completed with partners; every person's care reviewed; CQC enforcement lifted.",
}
PARTNERS = "CQC, ICB, Safeguarding team"
# kind: (minutes, decisions, internal minutes, organisations beyond the council)
MEETINGS = {
    MeetingKind.DECISION: (
        "Stage 1 decision meeting. Current risk reviewed: {themes}. Welfare checks on people using the service "
        "arranged; no criminal investigation under way; soft intelligence from the QMM and contracts teams shared.",
        "Start the provider concerns process; initial meeting within 10 working days; lead officer to tell the "
        "provider.", True, PARTNERS,
    ),
    MeetingKind.INITIAL: (
        "Initial provider concerns meeting. Themes and risks: {themes}. Communication plan for people and families "
        "agreed; advocacy offered. The provider set out its view and its improvement plan.",
        "Improvement plan within 5 working days; weekly staffing and incident returns; findings meeting in 8 weeks.",
        False, PARTNERS + ", {provider}",
    ),
    MeetingKind.FINDINGS: (
        "Findings meeting. Outcomes of the safeguarding enquiries and progress on the improvement plan reviewed; "
        "{themes} largely addressed, some actions outstanding.",
        "Recommend stepping down once the remaining actions are verified; QMM visits to continue monthly.",
        True, PARTNERS,
    ),
    MeetingKind.REVIEW: (
        "Review with the registered manager and operations director. Action plan progress checked against "
        "evidence; {themes} discussed.",
        "Level kept for now; provider to send evidence for the open actions before the next review.", False,
        "{provider}",
    ),
    MeetingKind.OTHER: (
        "Suspension alert: CQC, the ICB, the safeguarding team and neighbouring placing authorities told of the "
        "suspension of new placements; brokerage told not to place.",
        "Alert confirmed in writing to all partners; families of people placed told by their social workers.",
        True, PARTNERS + ", Brokerage",
    ),
}  # fmt: skip
ENQUIRY_PARTNERS = ", Nottinghamshire Police, Nottinghamshire Safeguarding Adults Board"
