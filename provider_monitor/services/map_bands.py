"""The county map's choropleth bands: which shade a district's figure gets, and the legend that names them."""

from __future__ import annotations

import math
from dataclasses import dataclass

# Light to dark: more of the measure is darker, whichever the measure.
SHADES = ("#f3f2f1", "#c5d9eb", "#8eb8dc", "#5694ca", "#2b6aa5")
SHARE_EDGES = (0, 20, 40, 60, 80)
SHARE_LABELS = ("Under 20%", "20% to under 40%", "40% to under 60%", "60% to under 80%", "80% or more")


@dataclass(frozen=True)
class Band:
    """One shade of the choropleth: the values from `low` up to (not including) `high`."""

    label: str
    colour: str
    low: float
    high: float | None  # None: no upper limit


NO_SERVICES = Band("No services", "#ffffff", 0, 0)


def bands_for(values: list[float | None], is_share: bool) -> list[Band]:
    """Fixed fifths of 100% for a share; for a count, up to four equal bands above none, to the highest value."""
    if is_share:
        highs = (*SHARE_EDGES[1:], None)
        return [Band(*band) for band in zip(SHARE_LABELS, SHADES, SHARE_EDGES, highs, strict=True)]
    top = int(max((v for v in values if v is not None), default=0))
    step = max(1, math.ceil(top / 4))
    bands = [Band("None", SHADES[0], 0, 1)]
    low = 1
    while low <= top:
        last = low + step > top
        if step == 1:
            label = str(low)
        else:
            label = f"{low} or more" if last else f"{low} to {low + step - 1}"
        bands.append(Band(label, SHADES[len(bands)], low, None if last else low + step))
        low += step
    return bands


def band_of(value: float | None, bands: list[Band]) -> Band:
    """The band a district's value falls in; a district with no services has its own."""
    if value is None:
        return NO_SERVICES
    for band in bands:
        if value >= band.low and (band.high is None or value < band.high):
            return band
    return bands[-1]
