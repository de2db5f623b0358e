"""Provider organisations: identifiers, ownership, head offices and contact details."""

from __future__ import annotations

import random

from provider_monitor.demo import names
from provider_monitor.demo.places import INWARD_LETTERS, Town, postcode, street_address
from provider_monitor.enums import Sector
from provider_monitor.models.provider import Provider

# Head offices of national and regional groups (outside the county) with a postcode district.
HEAD_OFFICES = (
    ("Leeds", "LS1"), ("Birmingham", "B15"), ("Sheffield", "S1"), ("Derby", "DE1"), ("Leicester", "LE1"),
    ("Lincoln", "LN2"), ("Nottingham", "NG1"), ("Manchester", "M2"), ("Doncaster", "DN1"), ("London", "EC1V"),
)  # fmt: skip
# Ofcom keeps these ranges for drama and fiction, so no real number is ever printed.
DRAMA_PHONE_PREFIXES = {
    "Leeds": "0113 496 0",
    "Sheffield": "0114 496 0",
    "Nottingham": "0115 496 0",
    "Leicester": "0116 496 0",
    "Birmingham": "0121 496 0",
    "Manchester": "0161 496 0",
    "London": "020 7946 0",
}
OTHER_DRAMA_PREFIX = "01632 960"
WEB_SUFFIX = {
    Sector.INDEPENDENT: "example.co.uk",
    Sector.VOLUNTARY: "example.org.uk",
    Sector.NHS: "example.nhs.uk",
}


class CqcIds:
    """Unique CQC-style IDs ('1-' and 9 or 10 digits), one pool for providers and locations as at CQC."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def next(self) -> str:
        while True:
            digits = self.rng.choice((9, 10))
            # Real CQC numbers start with 1 after the "1-" prefix.
            value = f"1-{self.rng.randint(10 ** (digits - 1), 2 * 10 ** (digits - 1) - 1)}"
            if value not in self.used:
                self.used.add(value)
                return value


def companies_house_number(rng: random.Random) -> str:
    """An 8-digit England and Wales company number (older ones start with 0)."""
    return f"{rng.randint(1_000_000, 15_999_999):08d}"


def phone(rng: random.Random, town_name: str) -> str:
    prefix = DRAMA_PHONE_PREFIXES.get(town_name, OTHER_DRAMA_PREFIX)
    return f"{prefix}{rng.randint(0, 999):03d}"


def new_provider(
    rng: random.Random,
    *,
    name: str,
    sector: Sector,
    ownership: str,
    town: Town | None = None,
    company: bool = False,
) -> Provider:
    """A provider based in a county town, or (town None) at a head office outside the county."""
    if town is not None:
        town_name, code = town.name, postcode(rng, town)
        phone_area = "Nottingham"  # county numbers share Nottingham's 0115 drama range
    else:
        town_name, outward = rng.choice(HEAD_OFFICES)
        inward = f"{rng.randint(0, 9)}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"
        code, phone_area = f"{outward} {inward}", town_name
    domain = f"{names.slug(name)}.{WEB_SUFFIX.get(sector, 'example.co.uk')}"
    return Provider(
        name=name,
        sector=sector,
        ownership_type=ownership,
        companies_house_number=companies_house_number(rng) if company else None,
        address_line_1=street_address(rng),
        town=town_name,
        postcode=code,
        contact_name=names.person_name(rng),
        contact_email=f"enquiries@{domain}",
        contact_phone=phone(rng, phone_area),
        website=f"https://www.{domain}",
    )


def independent(rng: random.Random, service_name: str, town: Town, care_home: bool) -> Provider:
    """A small independent: usually a company, sometimes a partnership or a sole owner (care homes)."""
    roll = rng.random()
    if care_home and roll < 0.12:
        name, ownership = names.partnership_name(rng), "Partnership"
    elif care_home and roll < 0.2:
        name, ownership = names.individual_name(rng), "Individual"
    else:
        name, ownership = names.independent_provider_name(rng, service_name, care_home=care_home), "Organisation"
    company = ownership == "Organisation" and rng.random() < 0.92
    return new_provider(rng, name=name, sector=Sector.INDEPENDENT, ownership=ownership, town=town, company=company)


def council() -> Provider:
    """The council itself: the provider of every council-run service (its public address)."""
    return Provider(
        name="Nottinghamshire County Council",
        sector=Sector.COUNCIL_RUN,
        ownership_type="Organisation",
        address_line_1="County Hall, Loughborough Road",
        town="West Bridgford",
        postcode="NG2 7QP",
        contact_name="Adult Social Care, Quality and Market Management",
        contact_email="qmm@nottscc.example.gov.uk",
        contact_phone="0115 496 0100",
        website="https://www.nottinghamshire.gov.uk",
    )
