"""Nottinghamshire's districts and towns: real ONS codes, centres and postcode districts."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

# Metres per degree of latitude near 53°N; a degree of longitude is this times cos(latitude).
METRES_PER_DEGREE = 111_250
# Inward codes never use C, I, K, M, O or V (Royal Mail's rule, so they are not misread).
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


@dataclass(frozen=True)
class Town:
    """A town's centre (chosen well inside its district), spread and postcode districts."""

    name: str
    short: str  # how people name it in a service name: "Sutton", not "Sutton-in-Ashfield"
    lat: float
    lon: float
    jitter_m: int  # services fall within this many metres of the centre
    outward: tuple[str, ...]
    weight: int  # rough population in thousands, to spread services like people


@dataclass(frozen=True)
class District:
    code: str
    name: str
    population: int  # thousands, ONS mid-2022 estimate (rounded)
    towns: tuple[Town, ...]


def _t(name, lat, lon, jitter_m, outward, weight, short=None) -> Town:
    return Town(name, short or name, lat, lon, jitter_m, tuple(outward.split()), weight)


# Centres were checked against the ONS May 2023 district boundaries: every point within
# jitter_m of a centre lies inside its district (tests/integration/test_demo_seed.py).
# Centres near a boundary are nudged a few hundred metres inwards and given a smaller jitter.
DISTRICTS: tuple[District, ...] = (
    District("E07000170", "Ashfield", 130, (
        _t("Sutton-in-Ashfield", 53.1230, -1.2620, 500, "NG17", 45, "Sutton"),
        _t("Kirkby-in-Ashfield", 53.1010, -1.2470, 500, "NG17", 27, "Kirkby"),
        _t("Hucknall", 53.0360, -1.2010, 500, "NG15", 35),
        _t("Selston", 53.0695, -1.2950, 450, "NG16", 12),
    )),
    District("E07000171", "Bassetlaw", 118, (
        _t("Worksop", 53.3020, -1.1180, 500, "S80 S81", 44),
        _t("Retford", 53.3240, -0.9410, 500, "DN22", 22),
        _t("Harworth", 53.4150, -1.0730, 400, "DN11", 8),
        _t("Tuxford", 53.2320, -0.8935, 400, "NG22", 3),
        _t("Carlton in Lindrick", 53.3560, -1.1060, 500, "S81", 5),
    )),
    District("E07000172", "Broxtowe", 111, (
        _t("Beeston", 52.9240, -1.2200, 500, "NG9", 37),
        _t("Eastwood", 53.0180, -1.2980, 500, "NG16", 19),
        _t("Stapleford", 52.9275, -1.2690, 350, "NG9", 15),
        _t("Kimberley", 53.0010, -1.2640, 500, "NG16", 7),
    )),
    District("E07000173", "Gedling", 118, (
        _t("Arnold", 52.9995, -1.1230, 500, "NG5", 38),
        _t("Carlton", 52.9690, -1.0850, 500, "NG4", 30),
        _t("Netherfield", 52.9660, -1.0730, 500, "NG4", 7),
        _t("Burton Joyce", 52.9860, -1.0480, 300, "NG14", 4),
        _t("Calverton", 53.0340, -1.0860, 500, "NG14", 7),
        _t("Ravenshead", 53.0810, -1.1635, 500, "NG15", 6),
    )),
    District("E07000174", "Mansfield", 111, (
        _t("Mansfield", 53.1460, -1.1940, 500, "NG18 NG19", 75),
        _t("Mansfield Woodhouse", 53.1640, -1.1960, 500, "NG19", 18),
        _t("Forest Town", 53.1530, -1.1590, 500, "NG19", 10),
        _t("Warsop", 53.2060, -1.1530, 500, "NG20", 12),
    )),
    District("E07000175", "Newark and Sherwood", 124, (
        _t("Newark-on-Trent", 53.0770, -0.8130, 500, "NG24", 28, "Newark"),
        _t("Southwell", 53.0790, -0.9570, 500, "NG25", 7),
        _t("Ollerton", 53.1970, -1.0210, 500, "NG22", 10),
        _t("Edwinstowe", 53.1950, -1.0630, 500, "NG21", 5),
        _t("Rainworth", 53.1135, -1.1150, 300, "NG21", 8),
        _t("Clipstone", 53.1670, -1.1100, 500, "NG21", 5),
        _t("Collingham", 53.1440, -0.7700, 500, "NG23", 3),
    )),
    District("E07000176", "Rushcliffe", 120, (
        _t("West Bridgford", 52.9280, -1.1220, 500, "NG2", 37),
        _t("Bingham", 52.9500, -0.9500, 500, "NG13", 10),
        _t("Radcliffe on Trent", 52.9440, -1.0350, 400, "NG12", 8, "Radcliffe"),
        _t("Keyworth", 52.8720, -1.0870, 500, "NG12", 7),
        _t("Cotgrave", 52.9090, -1.0440, 500, "NG12", 7),
        _t("East Leake", 52.8350, -1.1780, 500, "LE12", 7),
        _t("Ruddington", 52.8900, -1.1470, 500, "NG11", 7),
    )),
)  # fmt: skip

DISTRICTS_BY_CODE = {d.code: d for d in DISTRICTS}

STREETS = (
    "Station Road", "Church Street", "High Street", "Main Street", "Park Road", "Nottingham Road",
    "Mansfield Road", "Chesterfield Road", "Derby Road", "Victoria Street", "Albert Road", "Queen Street",
    "King Street", "Meadow Lane", "Mill Lane", "Forest Road", "Sherwood Road", "Trent Road",
    "Southwell Road", "Newark Road", "Lime Grove", "Beech Avenue", "The Green", "Orchard Close",
    "Cross Street", "Portland Road", "Welbeck Road", "Rufford Avenue", "Clumber Street", "Byron Road",
    "Church Lane", "Westfield Lane", "Oakfield Road", "Chapel Street", "Bridge Street", "Manor Road",
    "Hall Lane", "Cavendish Road", "Coronation Street", "Highfield Road",
)  # fmt: skip


def pick_district(rng: random.Random) -> District:
    """A district, in proportion to its population."""
    return rng.choices(DISTRICTS, weights=[d.population for d in DISTRICTS])[0]


def pick_town(rng: random.Random, district: District | None = None) -> Town:
    """A town of the district (any district when None), in proportion to its population."""
    district = district or pick_district(rng)
    return rng.choices(district.towns, weights=[t.weight for t in district.towns])[0]


def district_of(town: Town) -> District:
    return next(d for d in DISTRICTS if town in d.towns)


def town_named(name: str) -> Town:
    return next(t for d in DISTRICTS for t in d.towns if t.name == name)


def offset(lat: float, lon: float, north_m: float, east_m: float) -> tuple[float, float]:
    """The point this many metres north and east of (lat, lon)."""
    dlat = north_m / METRES_PER_DEGREE
    dlon = east_m / (METRES_PER_DEGREE * math.cos(math.radians(lat)))
    return lat + dlat, lon + dlon


def point_in_town(rng: random.Random, town: Town) -> tuple[float, float]:
    """A point spread evenly over the disc of radius jitter_m around the town centre."""
    # sqrt makes the spread even by area, not bunched in the middle.
    distance = town.jitter_m * math.sqrt(rng.random())
    bearing = rng.uniform(0, 2 * math.pi)
    lat, lon = offset(town.lat, town.lon, distance * math.cos(bearing), distance * math.sin(bearing))
    return round(lat, 6), round(lon, 6)


def postcode(rng: random.Random, town: Town) -> str:
    """A well-formed postcode in one of the town's postcode districts, like 'NG18 5BH'."""
    inward = f"{rng.randint(0, 9)}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"
    return f"{rng.choice(town.outward)} {inward}"


def street_address(rng: random.Random) -> str:
    return f"{rng.randint(1, 180)} {rng.choice(STREETS)}"
