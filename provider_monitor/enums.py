"""The council's own vocabulary, as enumerations with human labels."""

from enum import StrEnum


class LabelledEnum(StrEnum):
    """A string enum whose members carry the label shown to people."""

    def __new__(cls, value: str, label: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]


class Role(LabelledEnum):
    ADMIN = "admin", "Admin"
    MANAGER = "manager", "Manager"
    OFFICER = "officer", "QMM officer"
    CONTRACT_MANAGER = "contract_manager", "Contract manager"
    HEAD_OF_SERVICE = "head_of_service", "Head of service"
    DIRECTOR = "director", "Director"
    PROVIDER = "provider", "Provider user"


STAFF_ROLES = frozenset(
    {Role.ADMIN, Role.MANAGER, Role.OFFICER, Role.CONTRACT_MANAGER, Role.HEAD_OF_SERVICE, Role.DIRECTOR}
)
# Who may change the register (providers and services).
REGISTER_EDITORS = frozenset({Role.ADMIN, Role.MANAGER, Role.OFFICER, Role.CONTRACT_MANAGER})


class Sector(LabelledEnum):
    INDEPENDENT = "independent", "Independent"
    VOLUNTARY = "voluntary", "Voluntary"
    NHS = "nhs", "NHS"
    COUNCIL_RUN = "council_run", "Council-run"


class ServiceType(LabelledEnum):
    CARE_HOME_NURSING = "care_home_nursing", "Care home with nursing"
    CARE_HOME = "care_home", "Care home without nursing"
    HOME_CARE = "home_care", "Home care"
    SUPPORTED_LIVING = "supported_living", "Supported living"
    EXTRA_CARE = "extra_care", "Extra care"
    DAY_OPPORTUNITIES = "day_opportunities", "Day opportunities"
    SHARED_LIVES = "shared_lives", "Shared Lives"
    SHORT_BREAKS = "short_breaks", "Short breaks"
    REABLEMENT = "reablement", "Reablement"
    EMPLOYMENT_SUPPORT = "employment_support", "Employment support"
    OTHER = "other", "Other"


class RegistrationStatus(LabelledEnum):
    REGISTERED = "registered", "Registered"
    DEREGISTERED = "deregistered", "Deregistered"
    NOT_REGISTERED = "not_registered", "Not registered with CQC"


class ServiceStatus(LabelledEnum):
    ACTIVE = "active", "Active"
    CLOSED = "closed", "Closed"


class ContractType(LabelledEnum):
    SPOT = "spot", "Spot purchase"
    BLOCK = "block", "Block contract"
    FRAMEWORK = "framework", "Framework"
    DPS = "dps", "Dynamic purchasing system"
    IN_HOUSE = "in_house", "In-house (council-run)"


class KeyQuestion(LabelledEnum):
    """Overall and CQC's five key questions; the label is CQC's own spelling."""

    OVERALL = "overall", "Overall"
    SAFE = "safe", "Safe"
    EFFECTIVE = "effective", "Effective"
    CARING = "caring", "Caring"
    RESPONSIVE = "responsive", "Responsive"
    WELL_LED = "well_led", "Well-led"


class RatingSource(LabelledEnum):
    CQC_API = "cqc_api", "CQC API"
    CQC_FILE = "cqc_file", "CQC data file"
    MANUAL = "manual", "Entered by hand"


class ChangeDirection(LabelledEnum):
    DECLINE = "decline", "Decline"
    IMPROVEMENT = "improvement", "Improvement"


class VisitKind(LabelledEnum):
    PLANNED = "planned", "Planned"
    UNPLANNED = "unplanned", "Unplanned"


class VisitPurpose(LabelledEnum):
    QUALITY_AUDIT = "quality_audit", "Scheduled quality audit"
    CONTRACT_COMPLIANCE = "contract_compliance", "Contract compliance"
    FOLLOW_UP = "follow_up", "Follow-up or re-audit"
    CONCERN = "concern", "Concern-led"
    SUPPORT = "support", "Support visit"


class VisitStatus(LabelledEnum):
    """A visit is planned, then logged (its report in draft), shared with the provider, then final."""

    PLANNED = "planned", "Planned"
    DRAFT = "draft", "Report in draft"
    SHARED = "shared", "Shared with provider"
    FINAL = "final", "Final"
    CANCELLED = "cancelled", "Cancelled"


# A visit has taken place once it is logged: the report can be in any of these states.
VISITED_STATUSES = frozenset({VisitStatus.DRAFT, VisitStatus.SHARED, VisitStatus.FINAL})
# What a provider user may ever see of a report.
PROVIDER_VISIBLE_REPORT_STATUSES = frozenset({VisitStatus.SHARED, VisitStatus.FINAL})


class LocalRating(LabelledEnum):
    """The council's own judgement, on CQC's four-point scale so the two can be compared."""

    OUTSTANDING = "Outstanding", "Outstanding"
    GOOD = "Good", "Good"
    REQUIRES_IMPROVEMENT = "Requires improvement", "Requires improvement"
    INADEQUATE = "Inadequate", "Inadequate"


class ComplianceArea(LabelledEnum):
    TERMS = "terms", "Contract terms and conditions"
    SPECIFICATION = "specification", "Service specification"
    BEST_PRACTICE = "best_practice", "Best practice guidance"
    LEGAL_DUTIES = "legal_duties", "Legal duties"


class ComplianceResult(LabelledEnum):
    MET = "met", "Met"
    PARTLY_MET = "partly_met", "Partly met"
    NOT_MET = "not_met", "Not met"
    NOT_ASSESSED = "not_assessed", "Not assessed"


class ActionKind(LabelledEnum):
    CORRECTIVE = "corrective", "Corrective (must)"
    DEVELOPMENTAL = "developmental", "Developmental (should)"


class ActionPriority(LabelledEnum):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class ActionStatus(LabelledEnum):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    EVIDENCE_SUBMITTED = "evidence_submitted", "Evidence submitted"
    VERIFIED = "verified", "Verified complete"
    RETURNED = "returned", "Returned"


class RAG(LabelledEnum):
    RED = "red", "Red – overdue"
    AMBER = "amber", "Amber – open, in time"
    GREEN = "green", "Green – nothing pending"


class PolicyBand(LabelledEnum):
    """The rows of the visit-frequency policy."""

    OUTSTANDING = "outstanding", "Outstanding"
    GOOD = "good", "Good"
    REQUIRES_IMPROVEMENT = "requires_improvement", "Requires improvement"
    INADEQUATE = "inadequate", "Inadequate"
    NOT_YET_RATED = "not_yet_rated", "Regulated, not yet rated"
    UNREGULATED = "unregulated", "Not regulated by CQC"


class DueState(LabelledEnum):
    """Where a service stands against its next routine visit, most urgent first."""

    OVERDUE = "overdue", "Overdue"
    NEVER_VISITED = "never_visited", "Never visited"
    DUE_SOON = "due_soon", "Due soon"
    ON_TRACK = "on_track", "On track"


class SuspensionStatus(LabelledEnum):
    """At escalation level 3: whether the council may place anyone new with the service."""

    RED = "red", "Red – no new placements"
    AMBER = "amber", "Amber – place with caution"


class DecisionKind(LabelledEnum):
    ESCALATE = "escalate", "Escalated"
    STEP_DOWN = "step_down", "Stepped down"
    REVIEW = "review", "Reviewed, level kept"
    CLOSE = "close", "Closed"


class TimerKind(LabelledEnum):
    SUSPENSION_LETTER = "suspension_letter", "Suspension letter with remedial action plan"
    SUSPENSION_REVIEW = "suspension_review", "Suspension review"
    APPEAL = "appeal", "Provider appeal window"
    LEVEL_REVIEW = "level_review", "Review of the escalation level"


class TimerState(LabelledEnum):
    MET = "met", "Met"
    MISSED = "missed", "Missed"
    DUE_SOON = "due_soon", "Due soon"
    RUNNING = "running", "Running"


class ConcernSource(LabelledEnum):
    PUBLIC = "public", "Member of the public"
    FAMILY = "family", "Family or carer"
    WHISTLEBLOWER = "whistleblower", "Staff member or whistleblower"
    CQC = "cqc", "CQC"
    HEALTH = "health", "ICB or health partner"
    SAFEGUARDING = "safeguarding", "Safeguarding referral"
    COMPLAINT = "complaint", "Complaint"
    POLICE = "police", "Police"
    PROVIDER = "provider", "Provider self-report"


class ConcernCategory(LabelledEnum):
    SAFEGUARDING = "safeguarding", "Safeguarding"
    STAFFING = "staffing", "Staffing"
    MEDICATION = "medication", "Medication"
    CARE_PRACTICE = "care_practice", "Care practice"
    ENVIRONMENT = "environment", "Environment"
    GOVERNANCE = "governance", "Governance"
    FINANCIAL = "financial", "Financial viability"
    OTHER = "other", "Other"


class ConcernSeverity(LabelledEnum):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class ConcernStatus(LabelledEnum):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class MeetingKind(LabelledEnum):
    DECISION = "decision", "Decision meeting"
    INITIAL = "initial", "Initial provider concerns meeting"
    FINDINGS = "findings", "Findings meeting"
    REVIEW = "review", "Review meeting"
    OTHER = "other", "Other meeting"


class FlagKind(LabelledEnum):
    """What a flag is about; every kind is raised and resolved by the daily sweep."""

    VISIT_OVERDUE = "visit_overdue", "Visit overdue"
    VISIT_DUE_SOON = "visit_due_soon", "Visit due soon"
    NEVER_VISITED = "never_visited", "Never visited"
    RATING_DECLINE = "rating_decline", "CQC rating decline"
    ACTION_OVERDUE = "action_overdue", "Action overdue"
    ESCALATION_REVIEW_OVERDUE = "escalation_review_overdue", "Escalation review overdue"
    ESCALATION_TIMER_MISSED = "escalation_timer_missed", "Escalation deadline missed"
    CONTRACT_EXPIRING = "contract_expiring", "Contract expiring"
    REGISTRATION_CANCELLED = "registration_cancelled", "CQC registration cancelled"


class FlagSeverity(LabelledEnum):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class JobStatus(LabelledEnum):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped: another runner had it"
