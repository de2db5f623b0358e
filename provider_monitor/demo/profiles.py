"""What each kind of service looks like: how many, its size, who it serves, how it is bought."""

from __future__ import annotations

import random
from typing import NamedTuple

from provider_monitor.enums import ContractType, ServiceType


class Kind(NamedTuple):
    """A kind of service: its type and whether CQC regulates it (supported living can be either)."""

    type: ServiceType
    regulated: bool


CARE_HOME_NURSING = Kind(ServiceType.CARE_HOME_NURSING, True)
CARE_HOME = Kind(ServiceType.CARE_HOME, True)
HOME_CARE = Kind(ServiceType.HOME_CARE, True)
SUPPORTED_LIVING = Kind(ServiceType.SUPPORTED_LIVING, True)
EXTRA_CARE = Kind(ServiceType.EXTRA_CARE, True)
DAY_OPPORTUNITIES = Kind(ServiceType.DAY_OPPORTUNITIES, False)
HOUSING_SUPPORT = Kind(ServiceType.SUPPORTED_LIVING, False)
OTHER = Kind(ServiceType.OTHER, False)

CARE_HOMES = frozenset({ServiceType.CARE_HOME_NURSING, ServiceType.CARE_HOME})

# The council's facts: 280 residential and 166 non-residential CQC-assessed services among 615
# external ones; the 169 others are unregulated (day services, housing support, community services).
EXTERNAL_TARGETS: dict[Kind, int] = {
    CARE_HOME_NURSING: 115,
    CARE_HOME: 165,
    HOME_CARE: 112,
    SUPPORTED_LIVING: 38,
    EXTRA_CARE: 16,
    DAY_OPPORTUNITIES: 58,
    HOUSING_SUPPORT: 46,
    OTHER: 65,
}

# Beds for care homes, people or places for everything else.
CAPACITY: dict[ServiceType, tuple[int, int]] = {
    ServiceType.CARE_HOME_NURSING: (30, 120),
    ServiceType.CARE_HOME: (20, 80),
    ServiceType.HOME_CARE: (15, 250),
    ServiceType.SUPPORTED_LIVING: (3, 40),
    ServiceType.EXTRA_CARE: (30, 100),
    ServiceType.DAY_OPPORTUNITIES: (15, 60),
    ServiceType.SHARED_LIVES: (80, 140),
    ServiceType.SHORT_BREAKS: (6, 12),
    ServiceType.REABLEMENT: (80, 200),
    ServiceType.EMPLOYMENT_SUPPORT: (120, 250),
    ServiceType.OTHER: (10, 120),
}

# Each group with the chance a service of this type serves it; the first is the fallback.
CLIENT_GROUPS: dict[ServiceType, tuple[tuple[str, float], ...]] = {
    ServiceType.CARE_HOME_NURSING: (
        ("Older people", 0.95), ("Dementia", 0.7), ("Physical disability", 0.5),
        ("Younger adults", 0.3), ("Mental health", 0.2),
    ),
    ServiceType.CARE_HOME: (
        ("Older people", 0.8), ("Dementia", 0.55), ("Physical disability", 0.3),
        ("Learning disabilities", 0.2), ("Mental health", 0.15),
    ),
    ServiceType.HOME_CARE: (
        ("Older people", 0.95), ("Physical disability", 0.7), ("Dementia", 0.6),
        ("Learning disabilities", 0.3), ("Mental health", 0.3), ("Sensory impairment", 0.2),
    ),
    ServiceType.SUPPORTED_LIVING: (
        ("Learning disabilities", 0.85), ("Autism", 0.7), ("Mental health", 0.4), ("Physical disability", 0.2),
    ),
    ServiceType.EXTRA_CARE: (("Older people", 1.0), ("Physical disability", 0.5), ("Dementia", 0.4)),
    ServiceType.DAY_OPPORTUNITIES: (
        ("Learning disabilities", 0.6), ("Older people", 0.5), ("Autism", 0.3),
        ("Dementia", 0.3), ("Physical disability", 0.3),
    ),
    ServiceType.SHARED_LIVES: (("Learning disabilities", 0.9), ("Older people", 0.5), ("Mental health", 0.4)),
    ServiceType.SHORT_BREAKS: (("Learning disabilities", 1.0), ("Autism", 0.8), ("Physical disability", 0.6)),
    ServiceType.REABLEMENT: (("Older people", 1.0), ("Physical disability", 0.8), ("Younger adults", 0.6)),
    ServiceType.EMPLOYMENT_SUPPORT: (
        ("Learning disabilities", 1.0), ("Autism", 0.8), ("Mental health", 0.6), ("Physical disability", 0.5),
    ),
    ServiceType.OTHER: (
        ("Older people", 0.7), ("Carers", 0.3), ("Dementia", 0.3), ("Sensory impairment", 0.2),
        ("Mental health", 0.2),
    ),
}  # fmt: skip

# How the council tends to buy each type, and the letters in its contract references.
CONTRACT_TYPES: dict[ServiceType, tuple[tuple[ContractType, float], ...]] = {
    ServiceType.CARE_HOME_NURSING: (
        (ContractType.SPOT, 0.5),
        (ContractType.FRAMEWORK, 0.4),
        (ContractType.BLOCK, 0.1),
    ),
    ServiceType.CARE_HOME: (
        (ContractType.SPOT, 0.5),
        (ContractType.FRAMEWORK, 0.4),
        (ContractType.BLOCK, 0.1),
    ),
    ServiceType.HOME_CARE: ((ContractType.FRAMEWORK, 0.6), (ContractType.DPS, 0.3), (ContractType.SPOT, 0.1)),
    ServiceType.SUPPORTED_LIVING: (
        (ContractType.DPS, 0.5),
        (ContractType.FRAMEWORK, 0.4),
        (ContractType.SPOT, 0.1),
    ),
    ServiceType.EXTRA_CARE: ((ContractType.BLOCK, 0.8), (ContractType.FRAMEWORK, 0.2)),
    ServiceType.DAY_OPPORTUNITIES: (
        (ContractType.BLOCK, 0.4),
        (ContractType.SPOT, 0.4),
        (ContractType.DPS, 0.2),
    ),
    ServiceType.OTHER: ((ContractType.BLOCK, 0.6), (ContractType.SPOT, 0.3), (ContractType.DPS, 0.1)),
}
REFERENCE_CODES: dict[ServiceType, str] = {
    ServiceType.CARE_HOME_NURSING: "CH",
    ServiceType.CARE_HOME: "CH",
    ServiceType.HOME_CARE: "HC",
    ServiceType.SUPPORTED_LIVING: "SL",
    ServiceType.EXTRA_CARE: "EC",
    ServiceType.DAY_OPPORTUNITIES: "DO",
    ServiceType.OTHER: "CS",
}


def capacity(rng: random.Random, service_type: ServiceType) -> int:
    low, high = CAPACITY[service_type]
    return rng.randint(low, high)


def client_groups(rng: random.Random, service_type: ServiceType) -> str:
    options = CLIENT_GROUPS[service_type]
    chosen = [group for group, chance in options if rng.random() < chance]
    return ", ".join(chosen or [options[0][0]])


def contract_type(rng: random.Random, service_type: ServiceType) -> ContractType:
    options = CONTRACT_TYPES[service_type]
    return rng.choices([t for t, _ in options], weights=[w for _, w in options])[0]
