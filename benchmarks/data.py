"""Bulk building of an England-scale register for benchmarks.

Rows go in with SQLAlchemy bulk inserts (`session.execute(insert(Model), list_of_dicts)`, which
uses executemany / insertmanyvalues), never one ORM object at a time, so 30,000 services take
seconds. Everything is drawn from seeded generators: the same steps give the same data.

The builder grows: build a small register, measure it, then `grow_to` a larger size; the rows of
the small register stay as they were (same ids), so the same URLs work at both sizes. Districts,
wards and staff grow with it, so a page that loads something per district or per officer shows
up as a changed query count too.

What it makes, at England scale (`ENGLAND`):
- 300 districts with ONS-style codes E07000001–E07000300 (E07000170–E07000176 are the real
  Nottinghamshire districts, with their real towns and postcode districts), 20 wards each (E05…);
- 1,500-odd towns with postcode districts from England's real postcode areas;
- staff: QMM officers, managers, contract managers and admins; provider users for ~45% of providers;
- 12,000 providers (~1.25% council-run, ~14% voluntary, a little NHS, the rest independent), whose
  service counts follow a long tail (most run one service; large groups run hundreds);
- 30,000 services: ~30% care homes without nursing, ~13% with nursing, ~30% home care, supported
  living, extra care, day opportunities and others; ~87% regulated; registered, deregistered or
  not registered; ~3% council-run; names share words ("Care Home", "House", "Lodge"…);
- audit history: a "create" event per provider and service, and 1–6 updates for about a third
  of services.
"""

from __future__ import annotations

import math
import random
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import Session

from provider_monitor.demo import names, places, profiles
from provider_monitor.demo.places import Town, point_in_town, postcode, street_address
from provider_monitor.demo.providers import CqcIds, companies_house_number, phone
from provider_monitor.enums import ContractType, RegistrationStatus, Role, Sector, ServiceStatus, ServiceType
from provider_monitor.extensions import db
from provider_monitor.models import AuditEvent, District, Provider, Service, User, Ward
from provider_monitor.services.passwords import hash_password

# A fixed "today", so the same seed gives the same dates on any day the benchmark runs.
TODAY = date(2025, 11, 1)
BATCH_SIZE = 5_000
WARDS_PER_DISTRICT = 20
COUNCIL_PROVIDER_SHARE = 0.0125  # of providers
COUNCIL_SERVICE_SHARE = 0.03  # of services


@dataclass(frozen=True)
class Scale:
    """How big a register is."""

    services: int
    providers: int
    districts: int
    officers: int
    contract_managers: int
    managers: int
    admins: int

    def scaled(self, factor: float) -> Scale:
        """Every count times `factor` (at least 1 of each)."""
        return Scale(**{f.name: max(1, round(getattr(self, f.name) * factor)) for f in fields(self)})

    def __le__(self, other: Scale) -> bool:
        return all(getattr(self, f.name) <= getattr(other, f.name) for f in fields(self))


EMPTY = Scale(0, 0, 0, 0, 0, 0, 0)
# A register the size of England's adult social care market, with one council's staff grown to match.
ENGLAND = Scale(
    services=30_000, providers=12_000, districts=300, officers=300, contract_managers=120, managers=30, admins=8
)


# --- schema ---------------------------------------------------------------------------------------


def reset_schema() -> None:
    """Drop every table (and Alembic's) and create the schema from the models. Needs an app context."""
    db.session.remove()
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    db.create_all()


def bulk_insert(session: Session, model, rows: Sequence[dict], batch_size: int = BATCH_SIZE) -> int:
    """Insert rows with executemany, in batches; returns how many."""
    for start in range(0, len(rows), batch_size):
        session.execute(sa.insert(model), rows[start : start + batch_size])
    return len(rows)


def sync_sequences(session: Session) -> None:
    """PostgreSQL: move each id sequence past the explicit ids the bulk inserts used."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in db.metadata.sorted_tables:
        pk = list(table.primary_key.columns)
        if len(pk) == 1 and isinstance(pk[0].type, sa.Integer) and pk[0].autoincrement in (True, "auto"):
            session.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', '{pk[0].name}'), "
                    f"COALESCE((SELECT MAX({pk[0].name}) FROM {table.name}), 0) + 1, false)"
                )
            )


def analyze(session: Session) -> None:
    """PostgreSQL: refresh planner statistics, as autovacuum soon would after a bulk load.

    SQLite is left as `make run` leaves it (no ANALYZE), so it plans as a real SQLite install would.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("ANALYZE"))


def table_counts(session: Session) -> dict[str, int]:
    return {
        table.name: session.scalar(sa.select(sa.func.count()).select_from(table)) for table in db.metadata.sorted_tables
    }


# --- places ---------------------------------------------------------------------------------------

# England's postcode areas (outside London's inner areas, which have few care services).
POSTCODE_AREAS = (
    "AL", "B", "BA", "BB", "BD", "BH", "BL", "BN", "BR", "BS", "CA", "CB", "CH", "CM", "CO", "CR", "CT",
    "CV", "CW", "DA", "DE", "DH", "DL", "DN", "DT", "DY", "E", "EN", "EX", "FY", "GL", "GU", "HA", "HD",
    "HG", "HP", "HR", "HU", "HX", "IG", "IP", "KT", "L", "LA", "LE", "LN", "LS", "LU", "M", "ME", "MK",
    "N", "NE", "NG", "NN", "NR", "NW", "OL", "OX", "PE", "PL", "PO", "PR", "RG", "RH", "RM", "S", "SE",
    "SG", "SK", "SL", "SM", "SN", "SO", "SP", "SR", "SS", "ST", "SW", "TA", "TF", "TN", "TQ", "TR", "TS",
    "TW", "UB", "W", "WA", "WD", "WF", "WN", "WR", "WS", "WV", "YO",
)  # fmt: skip
TOWN_STARTS = (
    "Ash", "Brad", "Castle", "Chester", "Darl", "East", "Farn", "Gains", "Hather", "Kings", "Long", "Market",
    "New", "Old", "Red", "Stan", "Thorn", "Wood", "Whit", "Bex", "Brom", "Bur", "Carl", "Dun", "Ed", "Els",
    "Hal", "Hor", "Kirk", "Mel", "Nor", "Pen", "Ros", "Sal", "Sut", "Tad", "Wal", "Wem", "Wy", "Hart",
    "Stam", "Brig", "Lich", "Ather", "Black", "Glos", "Mat", "Ware", "Ux", "Thirl",
)  # fmt: skip
TOWN_ENDS = (
    "ton", "ford", "by", "ley", "ham", "field", "worth", "borough", "bridge", "wich", "caster", "mouth",
    "stead", "well", "thorpe", "combe", "bury", "den", "hurst", "minster",
)  # fmt: skip
WARD_WORDS = (
    "North", "South", "East", "West", "Central", "Park", "Village", "Abbey", "Castle", "Market", "Hill",
    "Green", "Meadows", "Rural", "Town", "Valley", "St Mary's", "St John's", "Priory", "Oak",
)  # fmt: skip
# England's bounding box, trimmed: district centres fall inside it.
LAT_RANGE, LON_RANGE = (50.6, 54.9), (-3.3, 1.3)


@dataclass(frozen=True)
class DistrictPlan:
    code: str
    name: str
    towns: tuple[Town, ...]
    weight: float  # share of services, in proportion to population


@cache
def district_plan(index: int) -> DistrictPlan:
    """District `index` (0-based), the same at any scale: E07000001 is index 0."""
    code = f"E07{index + 1:06d}"
    real = places.DISTRICTS_BY_CODE.get(code)
    if real is not None:
        return DistrictPlan(code, real.name, real.towns, float(real.population))
    rng = random.Random(f"district-{index}")
    area = POSTCODE_AREAS[index % len(POSTCODE_AREAS)]
    lat, lon = rng.uniform(*LAT_RANGE), rng.uniform(*LON_RANGE)
    numbers = rng.sample(range(1, 40), 8)
    towns = []
    for t in range(rng.randint(3, 7)):
        name = rng.choice(TOWN_STARTS) + rng.choice(TOWN_ENDS)
        if t and rng.random() < 0.2:
            name = f"{rng.choice(('Upper', 'Lower', 'Great', 'Little'))} {name}"
        town_lat, town_lon = places.offset(lat, lon, rng.uniform(-9000, 9000), rng.uniform(-9000, 9000))
        outward = tuple(f"{area}{n}" for n in numbers[t : t + rng.randint(1, 2)])
        weight = max(2, round(rng.lognormvariate(math.log(60 if t == 0 else 12), 0.5)))
        towns.append(Town(name, name, round(town_lat, 4), round(town_lon, 4), 1500, outward, weight))
    population = rng.lognormvariate(math.log(150), 0.45)
    roll = rng.random()
    if roll < 0.7:
        name = towns[0].name
    elif roll < 0.85:
        name = f"{towns[0].name} and {towns[1].name}"
    else:
        name = f"{rng.choice(('North', 'South', 'East', 'West', 'Mid'))} {rng.choice(names.PLACE_WORDS)}"
    return DistrictPlan(code, name, tuple(towns), population)


def ward_code(district_index: int, ward_index: int) -> str:
    return f"E05{district_index * WARDS_PER_DISTRICT + ward_index + 1:06d}"


def ward_town(plan: DistrictPlan, ward_index: int) -> Town:
    return plan.towns[ward_index % len(plan.towns)]


# --- services -------------------------------------------------------------------------------------

# (type, share of services, share of that type CQC regulates)
SERVICE_MIX: tuple[tuple[ServiceType, float, float], ...] = (
    (ServiceType.CARE_HOME, 0.30, 1.0),
    (ServiceType.CARE_HOME_NURSING, 0.13, 1.0),
    (ServiceType.HOME_CARE, 0.30, 1.0),
    (ServiceType.SUPPORTED_LIVING, 0.09, 0.7),
    (ServiceType.EXTRA_CARE, 0.03, 1.0),
    (ServiceType.DAY_OPPORTUNITIES, 0.06, 0.0),
    (ServiceType.SHARED_LIVES, 0.015, 1.0),
    (ServiceType.SHORT_BREAKS, 0.02, 1.0),
    (ServiceType.REABLEMENT, 0.015, 1.0),
    (ServiceType.EMPLOYMENT_SUPPORT, 0.01, 0.0),
    (ServiceType.OTHER, 0.03, 0.0),
)
# What councils still run themselves.
COUNCIL_MIX: tuple[tuple[ServiceType, float, float], ...] = (
    (ServiceType.DAY_OPPORTUNITIES, 0.30, 0.0),
    (ServiceType.REABLEMENT, 0.20, 1.0),
    (ServiceType.SHORT_BREAKS, 0.15, 1.0),
    (ServiceType.CARE_HOME, 0.15, 1.0),
    (ServiceType.SHARED_LIVES, 0.10, 1.0),
    (ServiceType.EMPLOYMENT_SUPPORT, 0.10, 0.0),
)
REFERENCE_CODES = {**profiles.REFERENCE_CODES, ServiceType.SHARED_LIVES: "SH", ServiceType.SHORT_BREAKS: "SB"}
REFERENCE_CODES |= {ServiceType.REABLEMENT: "RE", ServiceType.EMPLOYMENT_SUPPORT: "ES"}


def service_name(rng: random.Random, service_type: ServiceType, regulated: bool, town: Town) -> str:
    """A plausible name; many share words, so a search for "care" or "house" matches thousands."""
    word = rng.choice(names.PLACE_WORDS)
    match service_type:
        case ServiceType.CARE_HOME | ServiceType.CARE_HOME_NURSING:
            nursing = service_type == ServiceType.CARE_HOME_NURSING
            if rng.random() < 0.2:
                return f"{word} {rng.choice(('Care Home', 'Care Centre', 'Care Village'))}"
            return names.care_home_name(rng, town, nursing=nursing)
        case ServiceType.HOME_CARE:
            return names.home_care_name(rng, town)
        case ServiceType.SUPPORTED_LIVING:
            return names.supported_living_name(rng, town, regulated=regulated)
        case ServiceType.EXTRA_CARE:
            return names.extra_care_name(rng, town)
        case ServiceType.DAY_OPPORTUNITIES:
            return names.day_centre_name(rng, town)
        case ServiceType.SHARED_LIVES:
            return f"{town.short} Shared Lives"
        case ServiceType.SHORT_BREAKS:
            return f"{word} {rng.choice(('House', 'Lodge'))} Short Breaks"
        case ServiceType.REABLEMENT:
            return f"{town.short} {rng.choice(('Reablement Service', 'Home First Reablement'))}"
        case ServiceType.EMPLOYMENT_SUPPORT:
            return f"{town.short} {rng.choice(('Employment Support', 'Supported Employment Service'))}"
        case _:
            return names.other_service_name(rng, town)


def _datetime(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(rng.randint(7, 18), rng.randint(0, 59)), tzinfo=UTC)


def _day_between(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, max(0, (end - start).days)))


# --- the builder ----------------------------------------------------------------------------------


class RegisterBuilder:
    """Builds the register in a database with an empty schema, then grows it on request."""

    def __init__(self, session: Session, *, seed: int = 20251101):
        self.session = session
        self.rng = random.Random(seed)
        self.cqc_ids = CqcIds(random.Random(seed + 1))
        self.built = EMPTY
        self.password_hash = hash_password(secrets.token_urlsafe(24))  # nobody signs in with a password
        self.next_user_id = 1
        self.next_audit_id = 1
        self.staff_ids: dict[Role, list[int]] = {role: [] for role in Role}
        self.staff_labels: dict[int, str] = {}
        self.provider_weights: list[float] = []  # chance of running another service; 0 for councils
        self.provider_district: list[int] = []  # each provider's home district
        self.council_providers: list[int] = []  # ids

    # The public face -----------------------------------------------------------------------------

    def grow_to(self, target: Scale) -> dict[str, int]:
        """Add rows until the register is `target`'s size; commit. Returns rows added per table."""
        if not self.built <= target:
            raise ValueError(f"cannot shrink a register from {self.built} to {target}")
        added = {
            "district": self._add_districts(target.districts),
        }
        added["ward"] = (target.districts - self.built.districts) * WARDS_PER_DISTRICT
        added["user_account (staff)"] = self._add_staff(target)
        providers, provider_users = self._add_providers(target.providers, target.districts)
        added["provider"], added["user_account (provider)"] = providers, provider_users
        services, events = self._add_services(target)
        added["service"], added["audit_event"] = services, events + providers
        self.built = target
        sync_sequences(self.session)
        self.session.commit()
        analyze(self.session)
        self.session.commit()
        return added

    def staff(self, role: Role) -> list[int]:
        return list(self.staff_ids[role])

    # Districts and wards -------------------------------------------------------------------------

    def _add_districts(self, target: int) -> int:
        plans = [(i, district_plan(i)) for i in range(self.built.districts, target)]
        bulk_insert(self.session, District, [{"code": p.code, "name": p.name} for _, p in plans])
        wards = [
            {
                "code": ward_code(i, w),
                "name": f"{ward_town(plan, w).short} {WARD_WORDS[w]}",
                "district_code": plan.code,
            }
            for i, plan in plans
            for w in range(WARDS_PER_DISTRICT)
        ]
        bulk_insert(self.session, Ward, wards)
        return len(plans)

    def _pick_district(self, districts: int) -> int:
        weights = _district_weights(districts)
        return self.rng.choices(range(districts), cum_weights=weights)[0]

    def _pick_town(self, district_index: int) -> tuple[Town, str]:
        plan = district_plan(district_index)
        w = self.rng.randrange(WARDS_PER_DISTRICT)
        town = ward_town(plan, w) if self.rng.random() < 0.9 else self.rng.choice(plan.towns)
        return town, ward_code(district_index, w)

    # Users ---------------------------------------------------------------------------------------

    def _user_row(self, role: Role, name: str, email: str, provider_id: int | None, created: datetime) -> dict:
        row = {
            "id": self.next_user_id,
            "email": email,
            "name": name,
            "role": role,
            "provider_id": provider_id,
            "password_hash": self.password_hash,
            "active": self.rng.random() > 0.03,
            "failed_sign_in_count": 0,
            "last_sign_in_at": created + timedelta(days=self.rng.randint(0, 300)),
            "api_token_hash": None,
            "api_token_created_at": None,
            "created_at": created,
            "updated_at": created,
            "version_id": 1,
        }
        self.next_user_id += 1
        return row

    def _add_staff(self, target: Scale) -> int:
        wanted = {
            Role.OFFICER: target.officers - self.built.officers,
            Role.CONTRACT_MANAGER: target.contract_managers - self.built.contract_managers,
            Role.MANAGER: target.managers - self.built.managers,
            Role.ADMIN: target.admins - self.built.admins,
        }
        rows = []
        for role, count in wanted.items():
            for _ in range(count):
                name = names.person_name(self.rng)
                email = f"{names.email_local_part(name)}.{self.next_user_id}@council.example.gov.uk"
                created = _datetime(_day_between(self.rng, date(2019, 1, 1), TODAY), self.rng)
                row = self._user_row(role, name, email, None, created)
                row["active"] = True  # staff the register names are current staff
                self.staff_ids[role].append(row["id"])
                self.staff_labels[row["id"]] = f"{name} ({email})"
                rows.append(row)
        return bulk_insert(self.session, User, rows)

    # Providers -----------------------------------------------------------------------------------

    def _add_providers(self, target: int, districts: int) -> tuple[int, int]:
        first = self.built.providers + 1
        new_ids = list(range(first, target + 1))
        council_count = round(len(new_ids) * COUNCIL_PROVIDER_SHARE) or (1 if first == 1 and new_ids else 0)
        councils = set(self.rng.sample(new_ids, council_count))
        providers, users, events = [], [], []
        for provider_id in new_ids:
            is_council = provider_id in councils
            district = (provider_id % districts) if is_council else self._pick_district(districts)
            town, _ = self._pick_town(district)
            row = self._provider_row(provider_id, town, district, is_council)
            providers.append(row)
            events.append(self._create_event("provider", row, row["created_at"], ("name", "sector", "town")))
            self.provider_district.append(district)
            if is_council:
                self.council_providers.append(provider_id)
                self.provider_weights.append(0.0)
            else:
                self.provider_weights.append(min(400.0, self.rng.paretovariate(1.2)))
            for _ in range(self.rng.choices((0, 1, 2), weights=(55, 38, 7))[0]):
                name = names.person_name(self.rng)
                domain = f"{names.slug(row['name']) or 'care'}.example"
                email = f"{names.email_local_part(name)}.{self.next_user_id}@{domain}"
                users.append(self._user_row(Role.PROVIDER, name, email, provider_id, row["created_at"]))
        bulk_insert(self.session, Provider, providers)
        bulk_insert(self.session, User, users)
        bulk_insert(self.session, AuditEvent, events)
        return len(providers), len(users)

    def _provider_row(self, provider_id: int, town: Town, district: int, is_council: bool) -> dict:
        rng = self.rng
        ownership = "Organisation"
        if is_council:
            sector, name = Sector.COUNCIL_RUN, f"{district_plan(district).name} Council"
        else:
            roll = rng.random()
            if roll < 0.14:
                sector = Sector.VOLUNTARY
                name = rng.choice(names.VOLUNTARY_PATTERNS).format(word=rng.choice(names.PLACE_WORDS), town=town.short)
            elif roll < 0.155:
                sector = Sector.NHS
                name = f"{town.short} {rng.choice(('Community Health', 'Health and Care', 'Partnership'))} NHS Trust"
            else:
                sector = Sector.INDEPENDENT
                kind = rng.random()
                if kind < 0.06:
                    name, ownership = names.partnership_name(rng), "Partnership"
                elif kind < 0.1:
                    name, ownership = names.individual_name(rng), "Individual"
                elif kind < 0.55:
                    home = names.care_home_name(rng, town, nursing=rng.random() < 0.3)
                    name = names.independent_provider_name(rng, home, care_home=True)
                else:
                    name = f"{names.home_care_name(rng, town)} Ltd"
        created = _datetime(_day_between(rng, date(2012, 1, 1), TODAY - timedelta(days=400)), rng)
        domain = f"{names.slug(name) or 'provider'}.example.org.uk"
        return {
            "id": provider_id,
            "name": name,
            "cqc_provider_id": self.cqc_ids.next() if rng.random() < 0.96 else None,
            "sector": sector,
            "ownership_type": ownership,
            "companies_house_number": companies_house_number(rng)
            if sector == Sector.INDEPENDENT and ownership == "Organisation" and rng.random() < 0.9
            else None,
            "address_line_1": street_address(rng),
            "address_line_2": None,
            "town": town.name,
            "postcode": postcode(rng, town),
            "contact_name": names.person_name(rng),
            "contact_email": f"enquiries@{domain}",
            "contact_phone": phone(rng, town.name),
            "website": f"https://www.{domain}",
            "created_at": created,
            "updated_at": created + timedelta(days=rng.randint(0, 300)),
            "version_id": 1,
        }

    # Services ------------------------------------------------------------------------------------

    def _providers_for_new_services(self, first_new_provider: int, count: int) -> list[int]:
        """Each new provider runs at least one new service; the rest follow a long tail, ~3% council."""
        owners = list(range(first_new_provider, len(self.provider_weights) + 1))[:count]
        rest = count - len(owners)
        council_set = set(self.council_providers)
        councils_so_far = sum(1 for p in owners if p in council_set)
        extra_council = max(0, min(rest, round(COUNCIL_SERVICE_SHARE * count) - councils_so_far))
        if self.council_providers:
            owners += self.rng.choices(self.council_providers, k=extra_council)
        else:
            extra_council = 0
        owners += self.rng.choices(
            range(1, len(self.provider_weights) + 1), weights=self.provider_weights, k=rest - extra_council
        )
        self.rng.shuffle(owners)
        return owners

    def _add_services(self, target: Scale) -> tuple[int, int]:
        first_id = self.built.services + 1
        owners = self._providers_for_new_services(self.built.providers + 1, target.services - self.built.services)
        councils = set(self.council_providers)
        officers = self.staff_ids[Role.OFFICER] + self.staff_ids[Role.MANAGER]
        contract_managers = self.staff_ids[Role.CONTRACT_MANAGER]
        rows, events = [], []
        for offset, provider_id in enumerate(owners):
            service_id = first_id + offset
            is_council = provider_id in councils
            district = (
                self.provider_district[provider_id - 1]
                if is_council or self.rng.random() < 0.3
                else self._pick_district(target.districts)
            )
            row = self._service_row(service_id, provider_id, district, is_council, officers, contract_managers)
            rows.append(row)
            events.extend(self._service_events(row, officers))
        bulk_insert(self.session, Service, rows)
        bulk_insert(self.session, AuditEvent, events)
        return len(rows), len(events)

    def _service_row(
        self,
        service_id: int,
        provider_id: int,
        district: int,
        is_council: bool,
        officers: list[int],
        contract_managers: list[int],
    ) -> dict:
        rng = self.rng
        mix = COUNCIL_MIX if is_council else SERVICE_MIX
        service_type, _, regulated_share = rng.choices(mix, weights=[m[1] for m in mix])[0]
        regulated = rng.random() < regulated_share
        town, ward = self._pick_town(district)
        if regulated:
            status = RegistrationStatus.REGISTERED if rng.random() < 0.93 else RegistrationStatus.DEREGISTERED
            registered_on = _day_between(rng, date(2010, 10, 1), TODAY - timedelta(days=60))
        else:
            status, registered_on = RegistrationStatus.NOT_REGISTERED, None
        closed = status == RegistrationStatus.DEREGISTERED or rng.random() < 0.02
        contract = is_council or rng.random() < 0.55
        if contract:
            start = _day_between(rng, date(2016, 4, 1), TODAY - timedelta(days=30))
            if is_council:
                contract_type = ContractType.IN_HOUSE
            elif service_type in profiles.CONTRACT_TYPES:
                contract_type = profiles.contract_type(rng, service_type)
            else:
                contract_type = ContractType.SPOT
            code = REFERENCE_CODES.get(service_type, "CS")
            reference = f"ASC-{code}-{start.year}-{service_id:05d}"
            end = start + timedelta(days=365 * rng.choice((1, 2, 3, 5)))
        else:
            contract_type = reference = start = end = None
        lat, lon = point_in_town(rng, town)
        created = _datetime(_day_between(rng, date(2015, 1, 1), TODAY - timedelta(days=30)), rng)
        return {
            "id": service_id,
            "provider_id": provider_id,
            "name": service_name(rng, service_type, regulated, town),
            "cqc_location_id": self.cqc_ids.next() if regulated else None,
            "service_type": service_type,
            "regulated": regulated,
            "registration_status": status,
            "registration_date": registered_on,
            "address_line_1": street_address(rng),
            "address_line_2": None if rng.random() < 0.85 else rng.choice(names.PLACE_WORDS) + " Estate",
            "town": town.name,
            "postcode": postcode(rng, town),
            "latitude": lat,
            "longitude": lon,
            "district_code": district_plan(district).code if rng.random() < 0.98 else None,
            "ward_code": ward if rng.random() < 0.9 else None,
            "capacity": profiles.capacity(rng, service_type),
            "client_groups": profiles.client_groups(rng, service_type),
            "contract_reference": reference,
            "contract_type": contract_type,
            "contract_start": start,
            "contract_end": end,
            "contract_manager_id": rng.choice(contract_managers)
            if contract and contract_managers and rng.random() < 0.8
            else None,
            "link_officer_id": rng.choice(officers) if officers and rng.random() < 0.85 else None,
            "status": ServiceStatus.CLOSED if closed else ServiceStatus.ACTIVE,
            "created_at": created,
            "updated_at": created,
            "version_id": 1,
        }

    # Audit history -------------------------------------------------------------------------------

    def _create_event(self, entity_type: str, row: dict, at: datetime, keys: Iterable[str]) -> dict:
        event = {
            "id": self.next_audit_id,
            "at": at,
            "actor_id": None,
            "actor_label": "System (register import)",
            "action": "create",
            "entity_type": entity_type,
            "entity_id": row["id"],
            "changes": {key: [None, _plain(row[key])] for key in keys if row[key] is not None},
            "request_id": None,
        }
        self.next_audit_id += 1
        return event

    def _service_events(self, row: dict, officers: list[int]) -> list[dict]:
        keys = ("name", "provider_id", "service_type", "regulated", "registration_status", "town", "postcode")
        events = [self._create_event("service", row, row["created_at"], keys + ("district_code", "cqc_location_id"))]
        if not officers or self.rng.random() > 0.35:
            return events
        at = row["created_at"]
        for _ in range(self.rng.randint(1, 6)):
            at += timedelta(days=self.rng.randint(5, 200), minutes=self.rng.randint(0, 600))
            actor = self.rng.choice(officers)
            field, old, new = self._a_change(row, officers)
            events.append(
                {
                    "id": self.next_audit_id,
                    "at": at,
                    "actor_id": actor,
                    "actor_label": self.staff_labels[actor],
                    "action": "update",
                    "entity_type": "service",
                    "entity_id": row["id"],
                    "changes": {field: [old, new]},
                    "request_id": str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
                }
            )
            self.next_audit_id += 1
        row["version_id"] = len(events)
        row["updated_at"] = at
        return events

    def _a_change(self, row: dict, officers: list[int]) -> tuple[str, object, object]:
        match self.rng.randrange(4):
            case 0:
                return "link_officer_id", row["link_officer_id"], self.rng.choice(officers)
            case 1:
                capacity = row["capacity"] or 10
                return "capacity", capacity, capacity + self.rng.randint(-5, 5)
            case 2:
                return "contract_end", None, (TODAY + timedelta(days=self.rng.randint(30, 900))).isoformat()
            case _:
                return "client_groups", None, row["client_groups"]


@cache
def _district_weights(districts: int) -> list[float]:
    """Cumulative weights of the first `districts` districts, for rng.choices(cum_weights=…)."""
    total, cumulative = 0.0, []
    for i in range(districts):
        total += district_plan(i).weight
        cumulative.append(total)
    return cumulative


def _plain(value):
    if isinstance(value, date | datetime):
        return value.isoformat()
    return getattr(value, "value", value)
