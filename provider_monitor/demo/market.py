"""The external market: national and regional groups, NHS trusts, charities and independents."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterable

from provider_monitor.demo import names, profiles
from provider_monitor.demo.locations import LocationMaker, Namer
from provider_monitor.demo.places import District, Town, district_of, pick_town, town_named
from provider_monitor.demo.profiles import Kind
from provider_monitor.demo.providers import independent, new_provider
from provider_monitor.enums import RegistrationStatus, Sector
from provider_monitor.models.provider import Provider
from provider_monitor.models.service import Service

# (brands, kinds they run, services per group, how many such groups): 12 groups in all.
GROUP_PLANS: tuple[tuple[tuple[str, ...], tuple[Kind, ...], tuple[int, int], int], ...] = (
    (names.CARE_HOME_BRANDS, (profiles.CARE_HOME_NURSING, profiles.CARE_HOME), (4, 20), 6),
    (names.HOME_CARE_BRANDS, (profiles.HOME_CARE,), (4, 9), 3),
    (names.SUPPORT_BRANDS, (profiles.SUPPORTED_LIVING, profiles.HOUSING_SUPPORT), (5, 14), 2),
    (names.HOUSING_BRANDS, (profiles.EXTRA_CARE, profiles.HOUSING_SUPPORT, profiles.OTHER), (4, 8), 1),
)
NHS_KINDS = (profiles.CARE_HOME_NURSING, profiles.SUPPORTED_LIVING, profiles.HOME_CARE)
VOLUNTARY_PROVIDERS = 28
# Charities mostly run the unregulated services; a few run supported living or a small care home.
VOLUNTARY_PREFERENCE = {
    profiles.DAY_OPPORTUNITIES: 3.0,
    profiles.HOUSING_SUPPORT: 3.0,
    profiles.OTHER: 3.0,
    profiles.SUPPORTED_LIVING: 1.0,
    profiles.CARE_HOME: 0.3,
}
DEREGISTERED_SHARE = 0.02


def _branch_namer(brand: str, kind: Kind) -> Namer | None:
    """Groups name community branches after the brand and town; homes keep their own names."""
    if kind in (profiles.HOME_CARE, profiles.SUPPORTED_LIVING):
        return lambda rng, town: f"{brand} ({town.short})"
    if kind == profiles.HOUSING_SUPPORT:
        return lambda rng, town: f"{brand} Floating Support ({town.short})"
    if kind == profiles.OTHER:
        return lambda rng, town: f"{brand} Community Hub ({town.short})"
    return None


class Market:
    """Builds the external providers and their services (not yet in any session)."""

    def __init__(self, rng: random.Random, locations: LocationMaker):
        self.rng = rng
        self.locations = locations
        self.remaining: Counter[Kind] = Counter(profiles.EXTERNAL_TARGETS)
        self.provider_names: set[str] = set()
        self.providers: list[Provider] = []
        self.groups: list[Provider] = []
        self.services: list[tuple[Provider, Service]] = []

    def build(self) -> None:
        self._groups()
        self._nhs()
        self._voluntary()
        self._independents()
        self._deregister_some()
        self._provider_ids()

    def largest_group(self) -> Provider:
        sizes = Counter(id(provider) for provider, _ in self.services)
        return max(self.groups, key=lambda group: sizes[id(group)])

    def draw(self, kinds: Iterable[Kind], preference: dict[Kind, float] | None = None) -> Kind | None:
        """Take one service of these kinds from what is left to build, weighted by how many are left."""
        available = [kind for kind in kinds if self.remaining[kind] > 0]
        if not available:
            return None
        weights = [self.remaining[kind] * (preference or {}).get(kind, 1.0) for kind in available]
        kind = self.rng.choices(available, weights=weights)[0]
        self.remaining[kind] -= 1
        return kind

    def _add_provider(self, provider: Provider) -> Provider:
        self.provider_names.add(provider.name)
        self.providers.append(provider)
        return provider

    def _unique_provider(self, make: Callable[[], Provider]) -> Provider:
        provider = make()
        for _ in range(30):
            if provider.name not in self.provider_names:
                break
            provider = make()
        return self._add_provider(provider)

    def _add_service(
        self, provider: Provider, kind: Kind, *, namer: Namer | None = None, district: District | None = None
    ) -> Service:
        service = self.locations.make(kind, namer=namer, district=district)
        self.services.append((provider, service))
        return service

    def _groups(self) -> None:
        rng = self.rng
        for brands, kinds, (low, high), count in GROUP_PLANS:
            for brand in rng.sample(brands, count):
                # Most groups are national with a head office elsewhere; the rest are local firms.
                home = None if rng.random() < 0.6 else pick_town(rng)
                provider = self._add_provider(
                    new_provider(
                        rng, name=f"{brand} Ltd", sector=Sector.INDEPENDENT, ownership="Organisation",
                        town=home, company=True,
                    )
                )  # fmt: skip
                self.groups.append(provider)
                for _ in range(rng.randint(low, high)):
                    kind = self.draw(kinds)
                    if kind is None:
                        break
                    namer = _branch_namer(brand, kind)
                    # A local group's homes cluster near its base; branches spread by town.
                    near_home = home is not None and namer is None and rng.random() < 0.7
                    self._add_service(provider, kind, namer=namer, district=district_of(home) if near_home else None)

    def _nhs(self) -> None:
        rng = self.rng
        for trust in rng.sample(names.NHS_TRUSTS, 2):
            provider = self._add_provider(
                new_provider(rng, name=trust, sector=Sector.NHS, ownership="Organisation", town=pick_town(rng))
            )
            for _ in range(rng.randint(2, 3)):
                kind = self.draw(NHS_KINDS)
                if kind is not None:
                    self._add_service(provider, kind)

    def _voluntary(self) -> None:
        rng = self.rng
        for _ in range(VOLUNTARY_PROVIDERS):
            town = pick_town(rng)

            def make(town: Town = town) -> Provider:
                return new_provider(
                    rng, name=names.voluntary_name(rng, town), sector=Sector.VOLUNTARY, ownership="Organisation",
                    town=town, company=rng.random() < 0.7,
                )  # fmt: skip

            provider = self._unique_provider(make)
            for _ in range(rng.choices((1, 2, 3, 4, 5), weights=(40, 25, 15, 10, 10))[0]):
                kind = self.draw(VOLUNTARY_PREFERENCE, VOLUNTARY_PREFERENCE)
                if kind is None:
                    break
                self._add_service(provider, kind, district=district_of(town) if rng.random() < 0.75 else None)

    def _independents(self) -> None:
        """Everything left: mostly one-service owners, some with two or three of the same kind."""
        rng = self.rng
        while (kind := self.draw(list(self.remaining))) is not None:
            service = self.locations.make(kind)
            town = town_named(service.town)
            care_home = kind.type in profiles.CARE_HOMES
            provider = self._unique_provider(lambda: independent(rng, service.name, town, care_home))  # noqa: B023
            self.services.append((provider, service))
            for _ in range(rng.choices((0, 1, 2), weights=(80, 13, 7))[0]):
                more = self.draw([kind])
                if more is None:
                    break
                self._add_service(provider, more, district=district_of(town))

    def _deregister_some(self) -> None:
        """A few registrations CQC has cancelled, still on the register until someone acts."""
        regulated = [service for _, service in self.services if service.regulated]
        for service in self.rng.sample(regulated, round(len(regulated) * DEREGISTERED_SHARE)):
            service.registration_status = RegistrationStatus.DEREGISTERED

    def _provider_ids(self) -> None:
        """CQC provider IDs for every provider with at least one regulated service."""
        registered = {id(provider) for provider, service in self.services if service.regulated}
        for provider in self.providers:
            if id(provider) in registered:
                provider.cqc_provider_id = self.locations.ids.next()
