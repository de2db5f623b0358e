"""`flask demo seed`: a believable, deterministic market, demo accounts that work, and no duplicates."""

import json
import math
import re
from collections import Counter
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from provider_monitor.demo import accounts as demo_accounts
from provider_monitor.demo.places import DISTRICTS, offset, town_named
from provider_monitor.enums import (
    ChangeDirection,
    ContractType,
    KeyQuestion,
    RegistrationStatus,
    Role,
    Sector,
    ServiceType,
)
from provider_monitor.extensions import db
from provider_monitor.models import AuditEvent, District, Provider, RatingChange, RatingSnapshot, Service, User
from provider_monitor.services import auth, passwords
from tests import factories

POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]? [0-9][ABD-HJLNP-UW-Z]{2}$")
CQC_ID = re.compile(r"^1-\d{9,10}$")
ONS_DISTRICTS = {
    "E07000170": "Ashfield",
    "E07000171": "Bassetlaw",
    "E07000172": "Broxtowe",
    "E07000173": "Gedling",
    "E07000174": "Mansfield",
    "E07000175": "Newark and Sherwood",
    "E07000176": "Rushcliffe",
}
CARE_HOMES = (ServiceType.CARE_HOME_NURSING, ServiceType.CARE_HOME)


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch):
    """Real argon2, at a cost that keeps ~16 accounts per seed quick (cost is not under test here)."""
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def seed(app, *args, input=None):
    result = app.test_cli_runner().invoke(args=["demo", "seed", *args], input=input)
    return result


def seeded(app, *args):
    result = seed(app, "--seed", "7", *args)
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result


def printed_accounts(output: str) -> list[tuple[str, str, str]]:
    """(role label, email, password) rows of the printed accounts table."""
    rows = []
    for line in output.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) == 3 and "@" in cells[1]:
            rows.append(tuple(cells))
    return rows


def external_services():
    return list(
        db.session.scalars(
            sa.select(Service).join(Provider).where(Provider.sector != Sector.COUNCIL_RUN).order_by(Service.id)
        )
    )


def market_snapshot():
    rows = db.session.execute(
        sa.select(Service.name, Service.latitude, Service.longitude, Service.postcode).order_by(Service.name)
    )
    return [tuple(row) for row in rows]


def row_counts() -> dict[str, int]:
    return {
        model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (District, Provider, Service, User, AuditEvent)
    }


def test_the_market_is_in_proportion_to_the_councils_facts(app, app_ctx):
    result = seeded(app)

    external = external_services()
    care_homes = [s for s in external if s.service_type in CARE_HOMES]
    other_regulated = [s for s in external if s.regulated and s.service_type not in CARE_HOMES]
    unregulated = [s for s in external if not s.regulated]
    assert 615 * 0.95 <= len(external) <= 615 * 1.05
    assert 280 * 0.9 <= len(care_homes) <= 280 * 1.1
    assert 166 * 0.9 <= len(other_regulated) <= 166 * 1.1
    assert {s.service_type for s in other_regulated} == {
        ServiceType.HOME_CARE, ServiceType.SUPPORTED_LIVING, ServiceType.EXTRA_CARE
    }  # fmt: skip
    assert {ServiceType.DAY_OPPORTUNITIES, ServiceType.OTHER, ServiceType.SUPPORTED_LIVING} <= {
        s.service_type for s in unregulated
    }
    assert all(s.registration_status == RegistrationStatus.NOT_REGISTERED for s in unregulated)
    deregistered = [s for s in external if s.registration_status == RegistrationStatus.DEREGISTERED]
    assert 0.01 * 446 <= len(deregistered) <= 0.04 * 446
    assert f"{len(care_homes)} care homes" in result.output

    districts = dict(db.session.execute(sa.select(District.code, District.name)).tuples().all())
    assert districts == ONS_DISTRICTS
    per_district = Counter(s.district_code for s in external)
    assert min(per_district.values()) >= 0.5 * max(per_district.values())  # spread roughly by population

    sizes = Counter(s.provider_id for s in external)
    groups = [n for n in sizes.values() if n >= 4]
    assert 10 <= len(groups) <= 25 and max(sizes.values()) <= 20
    assert sum(1 for n in sizes.values() if n == 1) > len(sizes) / 2  # mostly single-service independents
    sectors = Counter(db.session.scalars(sa.select(Provider.sector)))
    assert sectors[Sector.COUNCIL_RUN] == 1 and sectors[Sector.NHS] >= 1 and sectors[Sector.VOLUNTARY] >= 10


def test_council_run_services_sit_under_the_council(app, app_ctx):
    seeded(app)

    council = db.session.scalar(sa.select(Provider).where(Provider.sector == Sector.COUNCIL_RUN))
    assert council.name == "Nottinghamshire County Council"
    own = list(db.session.scalars(sa.select(Service).where(Service.provider_id == council.id)))
    regulated_by_type = {s.service_type: s.regulated for s in own}
    assert regulated_by_type == {
        ServiceType.DAY_OPPORTUNITIES: False,
        ServiceType.SHARED_LIVES: True,
        ServiceType.SHORT_BREAKS: True,
        ServiceType.EMPLOYMENT_SUPPORT: False,
        ServiceType.REABLEMENT: True,
    }
    assert sum(s.service_type == ServiceType.DAY_OPPORTUNITIES for s in own) >= 3
    assert sum(s.service_type == ServiceType.SHORT_BREAKS for s in own) >= 2
    assert all(s.contract_type == ContractType.IN_HOUSE and s.contract_end is None for s in own)
    assert all(bool(s.cqc_location_id) == s.regulated for s in own)


def test_identifiers_are_well_formed_and_unique(app, app_ctx):
    seeded(app)

    services = list(db.session.scalars(sa.select(Service)))
    providers = list(db.session.scalars(sa.select(Provider)))
    location_ids = [s.cqc_location_id for s in services if s.cqc_location_id]
    provider_ids = [p.cqc_provider_id for p in providers if p.cqc_provider_id]
    assert len(location_ids) == sum(s.regulated for s in services)
    assert all(CQC_ID.match(i) for i in location_ids + provider_ids)
    assert len(set(location_ids + provider_ids)) == len(location_ids) + len(provider_ids)
    assert all(s.registration_date is not None for s in services if s.regulated)
    regulated_providers = {s.provider_id for s in services if s.regulated}
    assert all(p.cqc_provider_id for p in providers if p.id in regulated_providers)
    numbers = [p.companies_house_number for p in providers if p.companies_house_number]
    assert len(numbers) > 100 and all(re.fullmatch(r"\d{8}", n) for n in numbers)
    assert {p.ownership_type for p in providers} == {"Organisation", "Partnership", "Individual"}
    references = [s.contract_reference for s in services if s.contract_reference]
    assert len(set(references)) == len(references)
    assert all(re.fullmatch(r"NCC-[A-Z]{2}-\d{5}", r) for r in references)


def test_every_service_has_a_real_place_and_named_people(app, app_ctx):
    seeded(app)

    services = list(db.session.scalars(sa.select(Service)))
    staff_roles = dict(db.session.execute(sa.select(User.id, User.role)).tuples().all())
    names = [s.name for s in services]
    assert len(set(names)) == len(names)
    assert not any(re.fullmatch(r"Service \d+", n) for n in names)
    for service in services:
        town = town_named(service.town)
        district = next(d for d in DISTRICTS if town in d.towns)
        assert service.district_code == district.code, service.name
        assert POSTCODE.match(service.postcode), service.postcode
        assert service.postcode.split()[0] in town.outward, (service.town, service.postcode)
        assert staff_roles[service.link_officer_id] in (Role.OFFICER, Role.MANAGER), service.name
        if service.contract_manager_id is not None:
            assert staff_roles[service.contract_manager_id] == Role.CONTRACT_MANAGER
        if service.service_type in CARE_HOMES:
            assert 20 <= service.capacity <= 120
        assert service.capacity and service.client_groups

    external = external_services()
    contracted = [s for s in external if s.contract_type is not None]
    assert len(contracted) >= 0.75 * len(external)
    assert sum(s.contract_manager_id is not None for s in contracted) >= 0.85 * len(contracted)
    assert {s.contract_type for s in contracted} == {
        ContractType.SPOT, ContractType.BLOCK, ContractType.FRAMEWORK, ContractType.DPS
    }  # fmt: skip
    today = date.today()
    expiring = [s for s in contracted if 0 <= (s.contract_end - today).days <= 90]
    assert 5 <= len(expiring) <= 0.2 * len(contracted)
    assert all(s.contract_start <= s.contract_end for s in contracted)


def test_the_same_seed_builds_the_same_market_and_another_seed_a_different_one(app, app_ctx):
    seeded(app)
    first = market_snapshot()

    seeded(app, "--reset", "--yes")
    again = market_snapshot()
    other = seed(app, "--seed", "8", "--reset", "--yes")
    assert other.exit_code == 0, other.output

    assert first == again
    assert len(first) > 600
    assert market_snapshot() != first


def test_printed_accounts_cover_every_role_and_sign_in(app, app_ctx):
    result = seeded(app)

    rows = printed_accounts(result.output)
    assert Counter(label for label, _, _ in rows) == {
        "Admin": 1, "Manager": 2, "QMM officer": 8, "Contract manager": 4, "Head of service": 1, "Director": 1,
        "Provider user": 1
    }  # fmt: skip
    for _, email, password in rows:
        user = auth.authenticate(db.session, email=email, password=password, max_failures=10)
        assert user is not None, email
    staff_emails = [email for label, email, _ in rows if label != "Provider user"]
    assert all(e.endswith("@nottscc.example.gov.uk") for e in staff_emails)
    provider_user = db.session.scalar(sa.select(User).where(User.role == Role.PROVIDER))
    group_size = db.session.scalar(
        sa.select(sa.func.count()).select_from(Service).where(Service.provider_id == provider_user.provider_id)
    )
    assert group_size >= 4
    assert "Demo data" in set(db.session.scalars(sa.select(AuditEvent.actor_label)))


def test_a_second_run_adds_nothing_and_gives_new_passwords(app, app_ctx):
    first = seeded(app)
    counts = row_counts()
    old = {email: password for _, email, password in printed_accounts(first.output)}

    second = seeded(app)

    assert "already loaded" in second.output
    assert {k: v for k, v in row_counts().items() if k != "audit_event"} == {
        k: v for k, v in counts.items() if k != "audit_event"
    }
    new = {email: password for _, email, password in printed_accounts(second.output)}
    assert new.keys() == old.keys()
    for email, password in new.items():
        assert password != old[email]
        assert auth.authenticate(db.session, email=email, password=old[email], max_failures=10) is None
        assert auth.authenticate(db.session, email=email, password=password, max_failures=10) is not None


def test_reset_asks_first_then_rebuilds_from_empty(app, app_ctx):
    seeded(app)
    counts = row_counts()

    declined = seed(app, "--seed", "7", "--reset", input="n\n")
    assert declined.exit_code != 0 and row_counts() == counts

    seeded(app, "--reset", "--yes")
    after = row_counts()
    assert {k: v for k, v in after.items() if k != "audit_event"} == {
        k: v for k, v in counts.items() if k != "audit_event"
    }
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.role == Role.ADMIN)) == 1


def test_it_will_not_mix_demo_data_into_a_real_register(app, app_ctx):
    factories.ProviderFactory(name="Real Care Ltd")

    result = seed(app, "--seed", "7")

    assert result.exit_code != 0
    assert "not demo data" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Provider)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_districts_already_loaded_from_boundaries_are_kept(app, app_ctx):
    factories.DistrictFactory(code="E07000174", name="Mansfield District")

    seeded(app)

    assert db.session.get(District, "E07000174").name == "Mansfield District"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(District)) == 7


def test_a_failure_part_way_leaves_nothing_written(app, app_ctx, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    # Providers and users are flushed by the time caseloads are assigned.
    monkeypatch.setattr(demo_accounts, "assign_caseloads", fail)

    result = seed(app, "--seed", "7")

    assert isinstance(result.exception, RuntimeError)
    assert set(row_counts().values()) == {0}


def _district_polygons(shared_data):
    shapely_geometry = pytest.importorskip("shapely.geometry")
    path = shared_data / "geo" / "nottinghamshire_districts.geojson"
    if not path.is_file():
        pytest.skip(f"ONS district boundaries not found at {path}")
    features = json.loads(path.read_text())["features"]
    return {f["properties"]["LAD23CD"]: shapely_geometry.shape(f["geometry"]) for f in features}


def test_every_seeded_service_lies_inside_its_ons_district(app, app_ctx, shared_data):
    from shapely.geometry import Point

    polygons = _district_polygons(shared_data)
    assert set(polygons) == set(ONS_DISTRICTS)
    seeded(app)

    services = list(db.session.scalars(sa.select(Service)))
    outside = [
        (s.name, s.town, s.district_code)
        for s in services
        if not polygons[s.district_code].contains(Point(s.longitude, s.latitude))
    ]
    assert len(services) > 600
    assert outside == []


def test_every_towns_whole_spread_lies_inside_its_district(shared_data):
    """Whatever the seed, no point within a town's jitter radius can fall outside its district."""
    from shapely.geometry import Polygon

    polygons = _district_polygons(shared_data)
    for district in DISTRICTS:
        for town in district.towns:
            radius = town.jitter_m * 1.05  # a margin for the flat-earth metres-to-degrees step
            ring = [
                offset(town.lat, town.lon, radius * math.cos(a), radius * math.sin(a))
                for a in (2 * math.pi * i / 72 for i in range(72))
            ]
            disc = Polygon([(lon, lat) for lat, lon in ring])
            assert polygons[district.code].contains(disc), f"{town.name} spreads outside {district.name}"


def test_regulated_services_have_a_believable_rating_history(app, app_ctx):
    seeded(app)
    regulated = set(db.session.scalars(sa.select(Service.id).where(Service.regulated)))
    current = {s.service_id: s for s in db.session.scalars(sa.select(RatingSnapshot).where(RatingSnapshot.is_current))}
    assert set(current) == regulated, "every regulated service, and only those, has current ratings"
    overall = Counter(s.overall for s in current.values())
    assert 0.6 <= overall["Good"] / len(current) <= 0.85
    assert overall["Outstanding"] and overall["Requires improvement"] and overall["Inadequate"]
    changes = db.session.scalars(sa.select(RatingChange)).all()
    overall_moves = {c.direction for c in changes if c.key_question == KeyQuestion.OVERALL}
    assert overall_moves == {ChangeDirection.DECLINE, ChangeDirection.IMPROVEMENT}
    assert any(c.key_question != KeyQuestion.OVERALL and c.direction == ChangeDirection.DECLINE for c in changes)
    assert any(
        c.direction == ChangeDirection.DECLINE and c.changed_on >= date.today() - timedelta(days=183) for c in changes
    )
    real = {"Outstanding", "Good", "Requires improvement", "Inadequate"}
    assert all(c.from_rating in real and c.to_rating in real for c in changes), "non-ratings never count"


def test_rating_histories_are_the_same_for_the_same_seed(app, app_ctx):
    def fingerprints():
        return sorted(db.session.scalars(sa.select(RatingSnapshot.fingerprint)))

    seeded(app)
    first = fingerprints()
    seeded(app, "--reset", "--yes")
    assert fingerprints() == first


def test_the_provider_user_has_a_report_to_comment_on_open_actions_and_an_escalation(app, app_ctx):
    import re

    result = seeded(app)

    line = next(line for line in result.output.splitlines() if line.startswith("The provider user ("))
    found = re.search(r"(\d+) reports? awaiting their comments, (\d+) open actions .*escalation level (\d)", line)
    assert found is not None, line
    reports, actions, level = (int(group) for group in found.groups())
    assert reports >= 1 and actions >= 1 and level >= 1
