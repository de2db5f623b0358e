"""Demo staff and provider accounts, their caseloads, and fresh passwords on a rerun."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from provider_monitor.demo import names, profiles
from provider_monitor.demo.places import DISTRICTS
from provider_monitor.enums import ContractType, Role, Sector
from provider_monitor.models.provider import Provider
from provider_monitor.models.service import Service
from provider_monitor.models.user import User
from provider_monitor.services import users

STAFF_DOMAIN = "nottscc.example.gov.uk"
# The provider user's address is at its provider's demo domain, which always ends like this.
PROVIDER_DOMAIN_SUFFIX = ".example.co.uk"
STAFF_PLAN = ((Role.ADMIN, 1), (Role.MANAGER, 2), (Role.OFFICER, 8), (Role.CONTRACT_MANAGER, 4))
# Who takes escalation decisions above level 1 (added last, so the rest of the market stays as it was).
SENIOR_PLAN = ((Role.HEAD_OF_SERVICE, 1), (Role.DIRECTOR, 1))
ROLE_ORDER = (
    Role.ADMIN, Role.DIRECTOR, Role.HEAD_OF_SERVICE, Role.MANAGER, Role.OFFICER, Role.CONTRACT_MANAGER, Role.PROVIDER,
)  # fmt: skip
# Care homes are split between two contract managers by the north and south of the county.
NORTH = frozenset({"E07000170", "E07000171", "E07000174", "E07000175"})
CONTRACTED_WITH_MANAGER = 0.95
# The eighth officer runs the council-run caseload and shares the two busiest patches.
SHARED_PATCHES = frozenset({"E07000170", "E07000175"})
SHARED_PATCH_SHARE = 0.35


@dataclass(frozen=True)
class DemoAccount:
    role: Role
    name: str
    email: str
    password: str


@dataclass
class Staff:
    accounts: list[DemoAccount] = field(default_factory=list)
    by_role: dict[Role, list[User]] = field(default_factory=dict)


def is_demo_user() -> sa.ColumnElement[bool]:
    """Demo accounts: staff at the demo council domain, provider users at demo provider domains."""
    return sa.or_(
        User.email.like(f"%@{STAFF_DOMAIN}"),
        sa.and_(User.role == Role.PROVIDER, User.email.like(f"%{PROVIDER_DOMAIN_SUFFIX}")),
    )


def _sorted(accounts: list[DemoAccount]) -> list[DemoAccount]:
    return sorted(accounts, key=lambda a: (ROLE_ORDER.index(a.role), a.email))


def _unique_person(rng: random.Random, taken: set[str], domain: str) -> tuple[str, str]:
    """A new person's name and email address (no two demo people share either)."""
    while True:
        name = names.person_name(rng)
        email = f"{names.email_local_part(name)}@{domain}"
        if name not in taken and email not in taken:
            taken.update((name, email))
            return name, email


def create_accounts(session: Session, rng: random.Random, provider: Provider) -> Staff:
    """The council's demo staff, and one user of the given (flushed) provider."""
    staff, taken = Staff(), set()
    plan = [*STAFF_PLAN, (Role.PROVIDER, 1)]
    for role, count in plan:
        domain = STAFF_DOMAIN if role != Role.PROVIDER else provider.contact_email.split("@", 1)[1]
        for _ in range(count):
            name, email = _unique_person(rng, taken, domain)
            user, password = users.create_user(
                session, email=email, name=name, role=role,
                provider_id=provider.id if role == Role.PROVIDER else None,
            )  # fmt: skip
            staff.by_role.setdefault(role, []).append(user)
            staff.accounts.append(DemoAccount(role, name, user.email, password))
    staff.accounts = _sorted(staff.accounts)
    return staff


def add_senior_staff(session: Session, rng: random.Random, staff: Staff) -> None:
    """A head of service and a director, who take the escalation decisions at levels 2 to 5."""
    taken = {value for account in staff.accounts for value in (account.name, account.email)}
    for role, count in SENIOR_PLAN:
        for _ in range(count):
            name, email = _unique_person(rng, taken, STAFF_DOMAIN)
            user, password = users.create_user(session, email=email, name=name, role=role, provider_id=None)
            staff.by_role.setdefault(role, []).append(user)
            staff.accounts.append(DemoAccount(role, name, user.email, password))
    staff.accounts = _sorted(staff.accounts)


def _contract_manager(service: Service, managers: list[User]) -> User:
    """Portfolios: care homes north and south, home care and extra care, everything else."""
    if service.service_type in profiles.CARE_HOMES:
        return managers[0] if service.district_code in NORTH else managers[1]
    if service.service_type in (profiles.HOME_CARE.type, profiles.EXTRA_CARE.type):
        return managers[2]
    return managers[3]


def assign_caseloads(rng: random.Random, services: list[tuple[Provider, Service]], staff: Staff) -> None:
    """A link officer for every service (by district patch) and a contract manager for most contracts."""
    officers = staff.by_role[Role.OFFICER]
    contract_managers = staff.by_role[Role.CONTRACT_MANAGER]
    patch = {district.code: officers[i % (len(officers) - 1)] for i, district in enumerate(DISTRICTS)}
    spare = officers[-1]
    for provider, service in services:
        if provider.sector == Sector.COUNCIL_RUN:
            officer = spare
        elif service.district_code in SHARED_PATCHES and rng.random() < SHARED_PATCH_SHARE:
            officer = spare
        else:
            officer = patch[service.district_code]
        service.link_officer_id = officer.id
        contracted = service.contract_type not in (None, ContractType.IN_HOUSE)
        if contracted and rng.random() < CONTRACTED_WITH_MANAGER:
            service.contract_manager_id = _contract_manager(service, contract_managers).id


def reset_passwords(session: Session) -> list[DemoAccount]:
    """New random passwords for every demo account (which also ends their sessions)."""
    accounts = [
        DemoAccount(user.role, user.name, user.email, users.reset_password(session, user))
        for user in session.scalars(sa.select(User).where(is_demo_user()))
    ]
    return _sorted(accounts)
