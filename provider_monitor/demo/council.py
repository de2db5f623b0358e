"""The council's own services, on the same register and framework as everyone else's."""

from __future__ import annotations

from provider_monitor.demo.locations import LocationMaker
from provider_monitor.demo.places import town_named
from provider_monitor.demo.profiles import Kind
from provider_monitor.enums import ServiceType
from provider_monitor.models.service import Service

# CQC regulates what involves personal care: short breaks, Shared Lives and reablement.
# Day opportunities and employment support involve none, so they are not registered.
DAY = Kind(ServiceType.DAY_OPPORTUNITIES, False)
SHARED_LIVES = Kind(ServiceType.SHARED_LIVES, True)
SHORT_BREAKS = Kind(ServiceType.SHORT_BREAKS, True)
EMPLOYMENT = Kind(ServiceType.EMPLOYMENT_SUPPORT, False)
REABLEMENT = Kind(ServiceType.REABLEMENT, True)

COUNCIL_SERVICES: tuple[tuple[Kind, str, str], ...] = (
    (DAY, "Sutton Day Opportunities Centre", "Sutton-in-Ashfield"),
    (DAY, "Mansfield Day Opportunities Centre", "Mansfield"),
    (DAY, "Newark Day Opportunities Centre", "Newark-on-Trent"),
    (DAY, "Worksop Day Opportunities Centre", "Worksop"),
    (DAY, "Beeston Day Opportunities Centre", "Beeston"),
    (DAY, "Arnold Day Opportunities Centre", "Arnold"),
    (SHARED_LIVES, "Nottinghamshire Shared Lives", "Mansfield"),
    (SHORT_BREAKS, "Worksop Short Breaks Unit", "Worksop"),
    (SHORT_BREAKS, "Rainworth Short Breaks Unit", "Rainworth"),
    (SHORT_BREAKS, "Beeston Short Breaks Unit", "Beeston"),
    (EMPLOYMENT, "Nottinghamshire Employment Hub", "Mansfield"),
    (REABLEMENT, "Maximising Independence Service (North)", "Mansfield"),
    (REABLEMENT, "Maximising Independence Service (South)", "West Bridgford"),
)


def council_services(locations: LocationMaker) -> list[Service]:
    """Every council-run service, made first so no external service takes one of their names."""
    return [locations.make(kind, town=town_named(town), name=name) for kind, name, town in COUNCIL_SERVICES]
