"""Loading the demo data in one transaction, or resetting demo passwords when it is already there."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from provider_monitor.demo import accounts, providers
from provider_monitor.demo.contracts import ContractBook
from provider_monitor.demo.council import council_services
from provider_monitor.demo.escalations import add_escalations
from provider_monitor.demo.escalations import summary_line as escalations_summary_line
from provider_monitor.demo.locations import LocationMaker
from provider_monitor.demo.market import Market
from provider_monitor.demo.places import DISTRICTS
from provider_monitor.demo.portal import ensure_report_awaiting_comments, provider_account_line
from provider_monitor.demo.profiles import CARE_HOMES
from provider_monitor.demo.ratings import rate_services, summary_line
from provider_monitor.demo.visits import add_visits
from provider_monitor.demo.visits import summary_line as visits_summary_line
from provider_monitor.enums import Sector, ServiceType
from provider_monitor.models import Base, District, Provider, Service, User
from provider_monitor.models.base import utcnow
from provider_monitor.services import flags


class DemoDataError(Exception):
    """The demo data cannot be loaded here (the reason is for the person running the command)."""


@dataclass(frozen=True)
class Summary:
    providers: int
    external_providers: int
    care_homes: int
    other_regulated: int
    unregulated: int
    council_run: int
    by_type: dict[ServiceType, int]
    ratings: str
    visits: str
    escalations: str
    flags: str
    provider_account: str

    @property
    def external(self) -> int:
        return self.care_homes + self.other_regulated + self.unregulated


@dataclass(frozen=True)
class Outcome:
    loaded: bool  # False: demo data was already there, so only passwords changed
    accounts: list[accounts.DemoAccount]
    summary: Summary


def demo_loaded(session: Session) -> bool:
    return session.scalar(sa.select(User.id).where(accounts.is_demo_user()).limit(1)) is not None


def register_is_empty(session: Session) -> bool:
    return (
        session.scalar(sa.select(Provider.id).limit(1)) is None
        and session.scalar(sa.select(Service.id).limit(1)) is None
    )


def delete_everything(session: Session) -> None:
    """Delete every row of every table, children first (still inside the caller's transaction)."""
    for table in reversed(Base.metadata.sorted_tables):
        session.execute(table.delete())
    session.expunge_all()


def summarise(session: Session, today: date | None = None) -> Summary:
    rows = session.execute(
        sa.select(Service.service_type, Service.regulated, Provider.sector, sa.func.count())
        .join(Provider, Service.provider_id == Provider.id)
        .group_by(Service.service_type, Service.regulated, Provider.sector)
    ).all()
    kinds: Counter[str] = Counter()
    by_type: Counter[ServiceType] = Counter()
    for service_type, regulated, sector, count in rows:
        by_type[service_type] += count
        if sector == Sector.COUNCIL_RUN:
            kinds["council"] += count
        elif service_type in CARE_HOMES:
            kinds["care_homes"] += count
        else:
            kinds["other_regulated" if regulated else "unregulated"] += count
    total = session.scalar(sa.select(sa.func.count()).select_from(Provider))
    council = session.scalar(
        sa.select(sa.func.count()).select_from(Provider).where(Provider.sector == Sector.COUNCIL_RUN)
    )
    return Summary(
        providers=total, external_providers=total - council, care_homes=kinds["care_homes"],
        other_regulated=kinds["other_regulated"], unregulated=kinds["unregulated"], council_run=kinds["council"],
        by_type={t: by_type[t] for t in ServiceType if by_type[t]},
        ratings=summary_line(session, today or date.today()),
        visits=visits_summary_line(session, today or date.today()),
        escalations=escalations_summary_line(session, today or date.today()),
        flags=flags.open_summary(session),
        provider_account=provider_account_line(session, today or date.today()),
    )  # fmt: skip


def build(session: Session, rng: random.Random, today: date) -> list[accounts.DemoAccount]:
    """Add the whole demo market and accounts to the session (the caller commits)."""
    locations = LocationMaker(rng, providers.CqcIds(rng), today)
    council = providers.council()
    own_services = council_services(locations)
    market = Market(rng, locations)
    market.build()
    council.cqc_provider_id = locations.ids.next()
    # Boundaries may have been loaded already; the districts they made are kept as they are.
    existing = set(session.scalars(sa.select(District.code)))
    session.add_all([District(code=d.code, name=d.name) for d in DISTRICTS if d.code not in existing])
    session.add_all([council, *market.providers])
    session.flush()  # provider ids, for the services and the provider user

    staff = accounts.create_accounts(session, rng, market.largest_group())
    contracts = ContractBook(rng, today)
    for service in own_services:
        contracts.in_house(service)
    for _, service in market.services:
        contracts.external(service)
    everything = [(council, service) for service in own_services] + market.services
    for provider, service in everything:
        service.provider_id = provider.id
    accounts.assign_caseloads(rng, everything, staff)
    session.add_all([service for _, service in everything])
    session.flush()
    # A generator of its own, so adding ratings leaves the rest of the market as it was for a seed.
    rate_services(session, random.Random(rng.random()), [service for _, service in everything], today)
    add_visits(session, random.Random(rng.random()), everything, staff, today)
    ensure_report_awaiting_comments(session, today)
    # Senior staff, concerns and escalations last, from a generator of their own: the rest stays as it was.
    escalation_rng = random.Random(rng.random())
    accounts.add_senior_staff(session, escalation_rng, staff)
    add_escalations(session, escalation_rng, everything, staff, today)
    # One sweep, so the Flags page and the map's layers show real cases from the start.
    flags.sweep(session, today=today, now=utcnow())
    return staff.accounts


def seed_demo(session: Session, *, seed: int, reset: bool = False, today: date | None = None) -> Outcome:
    """Load the demo data (deleting everything first if reset); if it is there already, new passwords."""
    try:
        if reset:
            delete_everything(session)
        elif demo_loaded(session):
            demo_accounts = accounts.reset_passwords(session)
            session.commit()
            return Outcome(loaded=False, accounts=demo_accounts, summary=summarise(session))
        elif not register_is_empty(session):
            raise DemoDataError(
                "The register already holds providers or services that are not demo data, so demo data "
                "was not loaded. Use --reset to delete everything and load the demo data instead."
            )
        demo_accounts = build(session, random.Random(seed), today or date.today())
        session.commit()
    except BaseException:
        # One transaction: on any failure nothing is half-written.
        session.rollback()
        raise
    return Outcome(loaded=True, accounts=demo_accounts, summary=summarise(session, today))
