"""Dashboard building blocks: quarters, tables (each chart's accessible alternative) and their exports."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from provider_monitor.services.exceptions import NotFound

QUARTER_PATTERN = re.compile(r"^(\d{4})\s*-?\s*Q([1-4])$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter: 2026Q3 is July to September 2026."""

    year: int
    number: int

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """'2026Q3' (or '2026-Q3'); ValueError for anything else."""
        match = QUARTER_PATTERN.match((text or "").strip())
        if not match:
            raise ValueError("Enter the quarter as a year and quarter, like 2026Q3")
        return cls(int(match[1]), int(match[2]))

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> date:
        following = self.next()
        return date.fromordinal(following.start.toordinal() - 1)

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    def last(self, count: int) -> list[Quarter]:
        """This quarter and the count - 1 before it, oldest first."""
        quarters = [self]
        while len(quarters) < count:
            quarters.append(quarters[-1].previous())
        return quarters[::-1]

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def label(self) -> str:
        return f"{self.start:%B} to {self.end:%B %Y}"


@dataclass
class Table:
    """One dashboard table: what it counts in words, its header and rows, and which column (if any) is a %."""

    name: str
    caption: str
    header: list[str]
    rows: list[list] = field(default_factory=list)
    counted: str = ""
    # The column holding a percentage, drawn as a bar next to the number.
    percent_column: int | None = None
    # The column holding a count drawn as a bar against the table's largest count.
    count_column: int | None = None

    @property
    def largest(self) -> int:
        if self.count_column is None:
            return 0
        return max((row[self.count_column] or 0 for row in self.rows), default=0)


def percent(part: int, whole: int) -> float | None:
    """A share to one decimal place; None when there is nothing to share."""
    return round(100 * part / whole, 1) if whole else None


def find_table(tables: Iterable[Table], name: str | None) -> Table:
    for table in tables:
        if table.name == name:
            return table
    raise NotFound("There is no dashboard table of that name")
