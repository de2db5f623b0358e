"""factory_boy factories for the register and users."""

import factory
from factory.alchemy import SQLAlchemyModelFactory

from provider_monitor.enums import RegistrationStatus, Role, Sector, ServiceType
from provider_monitor.extensions import db
from provider_monitor.models import District, Provider, Service, User
from provider_monitor.services.passwords import hash_password

TEST_PASSWORD = "correct horse battery staple"
# Hashing is deliberately slow; every factory user shares one hash of the test password.
TEST_PASSWORD_HASH = hash_password(TEST_PASSWORD)


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class DistrictFactory(Base):
    class Meta:
        model = District

    code = factory.Sequence(lambda n: f"E0700{n:04d}")
    name = factory.Sequence(lambda n: f"District {n}")


class ProviderFactory(Base):
    class Meta:
        model = Provider

    name = factory.Sequence(lambda n: f"Provider {n} Care Ltd")
    cqc_provider_id = factory.Sequence(lambda n: f"1-{100000000 + n}")
    sector = Sector.INDEPENDENT
    town = "Mansfield"
    postcode = "NG18 1AA"


class UserFactory(Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.gov.uk")
    name = factory.Sequence(lambda n: f"User {n}")
    role = Role.OFFICER
    password_hash = TEST_PASSWORD_HASH
    provider = None


class ServiceFactory(Base):
    class Meta:
        model = Service

    provider = factory.SubFactory(ProviderFactory)
    name = factory.Sequence(lambda n: f"Service {n} House")
    cqc_location_id = factory.Sequence(lambda n: f"1-{200000000 + n}")
    service_type = ServiceType.CARE_HOME
    regulated = True
    registration_status = RegistrationStatus.REGISTERED
    town = "Mansfield"
    postcode = factory.Sequence(lambda n: f"NG18 {n % 10}AB")


def rating_state(day: str, **values):
    """The ratings after a report published on `day` (YYYY-MM-DD): rating_state("2026-05-01", overall="Good")."""
    from datetime import date

    from provider_monitor.enums import KeyQuestion
    from provider_monitor.services.rating_rules import Rating, State

    when = date.fromisoformat(day)
    return State(when, {KeyQuestion(k): Rating(v, when, f"report-{day}") for k, v in values.items()})


def record_ratings(service, *states, source=None):
    """Record a rating history for a service (committed)."""
    from provider_monitor.enums import RatingSource
    from provider_monitor.services import ratings

    ratings.record_states(db.session, service.id, list(states), source=source or RatingSource.CQC_API)
    db.session.commit()
