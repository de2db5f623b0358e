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
    PROVIDER = "provider", "Provider user"


STAFF_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.OFFICER, Role.CONTRACT_MANAGER})
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
