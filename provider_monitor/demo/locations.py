"""One service (a CQC "location"): a unique name, a place in a town, its registration and size."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from datetime import date, timedelta

from provider_monitor.demo import names, profiles
from provider_monitor.demo.places import District, Town, district_of, pick_town, point_in_town, postcode, street_address
from provider_monitor.demo.profiles import Kind
from provider_monitor.demo.providers import CqcIds
from provider_monitor.enums import RegistrationStatus, ServiceStatus
from provider_monitor.models.service import Service

# Registration under the Health and Social Care Act 2008 began on this day; services already
# running then were all registered with it, so it is the commonest registration date.
HSCA_START = date(2010, 10, 1)

Namer = Callable[[random.Random, Town], str]

NAMERS: dict[Kind, Namer] = {
    profiles.CARE_HOME_NURSING: lambda rng, town: names.care_home_name(rng, town, nursing=True),
    profiles.CARE_HOME: lambda rng, town: names.care_home_name(rng, town, nursing=False),
    profiles.HOME_CARE: names.home_care_name,
    profiles.SUPPORTED_LIVING: lambda rng, town: names.supported_living_name(rng, town, regulated=True),
    profiles.HOUSING_SUPPORT: lambda rng, town: names.supported_living_name(rng, town, regulated=False),
    profiles.EXTRA_CARE: names.extra_care_name,
    profiles.DAY_OPPORTUNITIES: names.day_centre_name,
    profiles.OTHER: names.other_service_name,
}


def registration_date(rng: random.Random, today: date) -> date:
    if rng.random() < 0.2:
        return HSCA_START
    return HSCA_START + timedelta(days=rng.randint(1, (today - HSCA_START).days - 60))


class LocationMaker:
    """Makes services with names unique across the whole market."""

    def __init__(self, rng: random.Random, ids: CqcIds, today: date):
        self.rng, self.ids, self.today = rng, ids, today
        self.used_names: set[str] = set()

    def pick_name(self, namer: Namer, district: District | None) -> tuple[str, Town]:
        """A name not used yet and the town it is in; after many clashes, qualify it by the town."""
        for _ in range(60):
            town = pick_town(self.rng, district)
            name = namer(self.rng, town)
            if name not in self.used_names:
                break
        else:
            name = f"{name} ({town.name})"
            while name in self.used_names:
                name += " II"
        self.used_names.add(name)
        return name, town

    def make(
        self, kind: Kind, *, namer: Namer | None = None, district: District | None = None, town: Town | None = None,
        name: str | None = None,
    ) -> Service:  # fmt: skip
        """A new active service of this kind; a fixed town and name are used as given."""
        if name is None:
            name, town = self.pick_name(namer or NAMERS[kind], district)
        else:
            self.used_names.add(name)
        town = town or pick_town(self.rng, district)
        rng = self.rng
        latitude, longitude = point_in_town(rng, town)
        # A supported living service named after its house ("14 Beech Avenue") lives there.
        address = name if re.match(r"^\d+ ", name) else street_address(rng)
        return Service(
            name=name,
            service_type=kind.type,
            regulated=kind.regulated,
            cqc_location_id=self.ids.next() if kind.regulated else None,
            registration_status=RegistrationStatus.REGISTERED if kind.regulated else RegistrationStatus.NOT_REGISTERED,
            registration_date=registration_date(rng, self.today) if kind.regulated else None,
            address_line_1=address,
            town=town.name,
            postcode=postcode(rng, town),
            latitude=latitude,
            longitude=longitude,
            district_code=district_of(town).code,
            capacity=profiles.capacity(rng, kind.type),
            client_groups=profiles.client_groups(rng, kind.type),
            status=ServiceStatus.ACTIVE,
        )
