"""Words for demo visit reports and action plans: evidence notes, compliance notes, actions, timeline notes."""

from __future__ import annotations

import random

from provider_monitor.enums import ComplianceArea, KeyQuestion, LocalRating

K = KeyQuestion
STRONG = frozenset({LocalRating.OUTSTANDING, LocalRating.GOOD})

# (what was good, what was a concern) per key question; one of each kind is picked per finding.
EVIDENCE: dict[KeyQuestion, tuple[tuple[str, ...], tuple[str, ...]]] = {
    K.SAFE: (
        (
            "MAR charts sampled for six people were complete, with PRN protocols in place.",
            "Staffing matched the dependency tool on both units; agency use has fallen since spring.",
            "Falls are analysed monthly and referrals to the falls team are made promptly.",
            "Safeguarding referrals were made on time and the log shows outcomes followed up.",
            "Recruitment files sampled had DBS checks and two references before start dates.",
        ),
        (
            "Two MAR charts had gaps with no explanation, and one PRN protocol was missing.",
            "Night staffing fell below the assessed level on four nights in the last month.",
            "Risk assessments for two people at high risk of falls had not been reviewed since admission.",
            "Fire door on the first floor was wedged open; the manager addressed it during the visit.",
            "Body maps were not completed for unexplained bruising recorded in daily notes.",
        ),
    ),
    K.EFFECTIVE: (
        (
            "Training matrix shows mandatory training at 94%, with dates booked for the rest.",
            "MCA assessments and best-interest decisions were decision-specific and recorded well.",
            "Nutrition and hydration charts were complete and weights are monitored monthly.",
            "Staff supervision is up to date and staff said they feel supported.",
        ),
        (
            "Mandatory training compliance is 71%; moving and handling refreshers are overdue.",
            "DoLS applications for two people had expired without a renewal being requested.",
            "Fluid charts were not totalled, so low intake would not be noticed.",
            "Supervisions have lapsed for a third of staff since the deputy manager left.",
        ),
    ),
    K.CARING: (
        (
            "Interactions observed at lunch were warm and unhurried; people were offered choices.",
            "Relatives told us staff know their family members well and keep them informed.",
            "People's dignity was respected: doors closed for personal care and staff knocked.",
            "Life-story work is in place and used by staff in conversation.",
        ),
        (
            "Some staff spoke over people while supporting them at lunch.",
            "One person waited twenty minutes for help to the toilet during the visit.",
            "Relatives said communication has been poor since the change of manager.",
        ),
    ),
    K.RESPONSIVE: (
        (
            "Care plans were person-centred and reviewed monthly with people and families.",
            "An activities coordinator runs a varied programme, including one-to-one time.",
            "Complaints are logged, answered within timescale and lessons shared with staff.",
            "End-of-life wishes were recorded and the home works closely with the district nurses.",
        ),
        (
            "Care plans did not reflect one person's changed needs after a hospital stay.",
            "There were few activities for people who stay in their rooms.",
            "A complaint from March had no recorded response.",
        ),
    ),
    K.WELL_LED: (
        (
            "The registered manager has been in post three years and is visible on the floor.",
            "Audits are completed monthly and actions from them are tracked to completion.",
            "Notifications to CQC and the council were made when required.",
            "Staff meetings are regular and minutes show staff views are acted on.",
        ),
        (
            "Provider audits did not pick up the medication recording gaps we found.",
            "There has been no registered manager for five months; an application is pending.",
            "Action plan from the last visit was only partly completed.",
            "Statutory notifications for two incidents were not sent to CQC.",
        ),
    ),
}

COMPLIANCE_NOTES = {
    ComplianceArea.TERMS: ("Insurance certificates and policies seen.", "Business continuity plan out of date."),
    ComplianceArea.SPECIFICATION: ("Outcomes reporting submitted on time.", "Quarterly return late twice this year."),
    ComplianceArea.BEST_PRACTICE: ("Follows NICE oral health guidance.", "No oral health assessments in care plans."),
    ComplianceArea.LEGAL_DUTIES: ("Registered manager in post.", "Notifications to CQC not always made."),
}

# (description, key question) of actions, corrective when a finding raised a concern.
CORRECTIVE = {
    K.SAFE: (
        "Audit all MAR charts weekly for eight weeks and share the results with the council.",
        "Review and update falls risk assessments for everyone at high risk.",
        "Ensure night staffing meets the dependency tool and send rotas for the next month.",
    ),
    K.EFFECTIVE: (
        "Bring mandatory training compliance to at least 90% and send the training matrix.",
        "Submit DoLS renewals for everyone whose authorisation has expired.",
    ),
    K.CARING: ("Hold dignity training for all care staff and share the attendance record.",),
    K.RESPONSIVE: (
        "Review care plans after every hospital discharge and evidence it for three people.",
        "Respond to the outstanding complaint and send the council the response.",
    ),
    K.WELL_LED: (
        "Strengthen provider audits so they pick up recording gaps; send the revised audit tool.",
        "Send CQC the outstanding statutory notifications and copy the council.",
    ),
}
DEVELOPMENTAL = {
    K.SAFE: ("Consider an electronic MAR system to reduce recording gaps.",),
    K.EFFECTIVE: ("Consider dementia champion training for senior carers.",),
    K.CARING: ("Develop life-story work for people who moved in this year.",),
    K.RESPONSIVE: ("Extend activities for people who spend most of the day in their rooms.",),
    K.WELL_LED: ("Seek feedback from relatives twice a year and publish what changed as a result.",),
}
OWNERS = ("Registered manager", "Deputy manager", "Clinical lead", "Operations director", "Training coordinator")
SUBMITTED = (
    "Evidence uploaded: audit results for the last eight weeks.",
    "Evidence uploaded: updated training matrix.",
    "Evidence uploaded: revised care plans for three people.",
    "Evidence uploaded: rotas and dependency tool.",
)
RETURNED = (
    "The audit covers four weeks, not eight; please send the full period.",
    "The training matrix still shows moving and handling below 90%.",
    "The care plans sent do not show the review after discharge.",
)
PROGRESS = ("Work started; first audit completed.", "Training dates booked with the provider's trainer.")
SPOKE_TO = (
    "Spoke with four people using the service and two relatives.",
    "Spoke with three people, the deputy manager and two care staff.",
    "Spoke with the registered manager, a senior carer and five people.",
)
CANCELLED = ("Outbreak at the home: visiting suspended.", "Officer unwell; rearranged.", "Manager on leave.")


def evidence(rng: random.Random, question: KeyQuestion, judgement: LocalRating) -> str:
    good, concerns = EVIDENCE[question]
    if judgement in STRONG:
        return " ".join(rng.sample(good, 2))
    return f"{rng.choice(concerns)} {rng.choice(good)}"


def summary(rating: LocalRating) -> str:
    if rating in STRONG:
        return f"Overall {rating.label.lower()}: people receive safe, kind care; minor points for development noted."
    return f"Overall {rating.label.lower()}: concerns found, set out in the action plan agreed with the manager."
