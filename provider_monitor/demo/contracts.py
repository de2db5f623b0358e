"""Contracts: what the council buys from each service, on what terms, until when."""

from __future__ import annotations

import random
from datetime import date, timedelta

from provider_monitor.demo import profiles
from provider_monitor.enums import ContractType
from provider_monitor.models.service import Service

# Some services sell only to people who pay for themselves: no council contract.
CONTRACTED_SHARE = 0.88
# A share end within 90 days, so the "contract expiring" flag has something to find.
EXPIRING_SHARE = 0.07
EARLIEST_START = date(2019, 4, 1)  # the start of the current commissioning cycle
IN_HOUSE_START = date(2015, 4, 1)
TERM_YEARS = {
    ContractType.SPOT: (2, 3),
    ContractType.BLOCK: (3, 5),
    ContractType.FRAMEWORK: (4, 4),
    ContractType.DPS: (5, 6),
}


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class ContractBook:
    """Hands out contract terms and unique references like NCC-CH-00123."""

    def __init__(self, rng: random.Random, today: date):
        self.rng, self.today = rng, today
        self.next_number: dict[str, int] = {}

    def reference(self, code: str) -> str:
        # Numbers rise with gaps, as references left by ended and withdrawn contracts do.
        number = self.next_number.get(code) or self.rng.randint(100, 400)
        self.next_number[code] = number + self.rng.randint(1, 7)
        return f"NCC-{code}-{number:05d}"

    def external(self, service: Service) -> None:
        """Contract terms for an external service (most have them; some sell privately only)."""
        rng, today = self.rng, self.today
        if rng.random() >= CONTRACTED_SHARE:
            return
        kind = profiles.contract_type(rng, service.service_type)
        start = EARLIEST_START + timedelta(days=rng.randint(0, (today - EARLIEST_START).days - 120))
        end = _add_years(start, rng.randint(*TERM_YEARS[kind])) - timedelta(days=1)
        if rng.random() < EXPIRING_SHARE:
            end = today + timedelta(days=rng.randint(7, 85))
        elif end <= today + timedelta(days=90):
            # Contracts that would have ended already were extended.
            end = today + timedelta(days=rng.randint(120, 1100))
        service.contract_reference = self.reference(profiles.REFERENCE_CODES[service.service_type])
        service.contract_type = kind
        service.contract_start = start
        service.contract_end = end

    def in_house(self, service: Service) -> None:
        """A council-run service's internal agreement: open-ended."""
        service.contract_reference = self.reference("IH")
        service.contract_type = ContractType.IN_HOUSE
        service.contract_start = IN_HOUSE_START + timedelta(days=self.rng.randint(0, 1500))
        service.contract_end = None
