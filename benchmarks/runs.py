"""What the benchmarks that grow the register share: the two sizes they measure, and their run's common state."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from datetime import date

from benchmarks.data import ENGLAND, Scale
from benchmarks.environment import BenchEnvironment
from benchmarks.measure import Report


@dataclass(frozen=True)
class Sizes:
    small: Scale
    large: Scale


FULL = Sizes(small=ENGLAND.scaled(1 / 10), large=ENGLAND)
QUICK = Sizes(small=ENGLAND.scaled(1 / 200), large=ENGLAND.scaled(1 / 20))


@dataclass
class GrowingRun:
    """One benchmark run: its environment and options, the builders that grow the data, and the report."""

    env: BenchEnvironment
    sizes: Sizes
    options: argparse.Namespace
    today: date = field(default_factory=date.today)
    report: Report = field(default_factory=Report)
    builders: dict[str, object] = field(default_factory=dict)
    builds: list[tuple[Scale, float, dict[str, int]]] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    load: list[str] = field(default_factory=list)
