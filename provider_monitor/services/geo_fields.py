"""Which kind of ONS boundary a file holds, found from its field names whatever the vintage (LAD23CD, WD24NM…)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from provider_monitor.services.exceptions import DomainError

COUNTY, DISTRICT, WARD = "county", "district", "ward"
KINDS = (COUNTY, DISTRICT, WARD)

# Prefixes ONS uses for each kind, in order of preference. Two-digit vintage, then CD (code) or NM (name).
# fullmatch keeps the Welsh-name columns (LAD23NMW) out of the NM pattern.
PREFIXES = {
    WARD: ("WD",),
    DISTRICT: ("LAD", "LTLA"),
    COUNTY: ("CTY", "CTYUA", "UTLA"),
}
LABEL_LON, LABEL_LAT = ("LONG", "LON"), ("LAT",)


class BoundaryFileError(DomainError):
    """A boundary file cannot be loaded; the message says why and what to do, and nothing was changed."""


@dataclass(frozen=True)
class LayerFields:
    """The fields of one boundary file that the loader reads."""

    kind: str
    code: str
    name: str
    parent_code: str | None = None
    label_lon: str | None = None
    label_lat: str | None = None


def _matching(columns, prefixes: tuple[str, ...], suffix: str) -> list[str]:
    patterns = [re.compile(rf"{prefix}\d\d{suffix}", re.IGNORECASE) for prefix in prefixes]
    return [c for c in columns if any(p.fullmatch(str(c)) for p in patterns)]


def _one(columns, kind: str, suffix: str, source: str) -> str | None:
    """The single field for this kind and suffix; None if absent; an error if several match."""
    for prefix in PREFIXES[kind]:
        found = _matching(columns, (prefix,), suffix)
        if len(found) > 1:
            raise BoundaryFileError(
                f"{source} has more than one {kind} {'code' if suffix == 'CD' else 'name'} field "
                f"({', '.join(found)}). Use a file with one vintage of {kind} fields."
            )
        if found:
            return found[0]
    return None


def _label_field(columns, names: tuple[str, ...]) -> str | None:
    upper = {str(c).upper(): c for c in columns}
    return next((upper[n] for n in names if n in upper), None)


def detect_fields(columns, source: str = "The boundary file") -> LayerFields:
    """The kind of boundary and its code, name, parent and label fields; BoundaryFileError if unclear."""
    columns = [c for c in columns if c != "geometry"]
    for kind, parent_kind in ((WARD, DISTRICT), (DISTRICT, COUNTY), (COUNTY, None)):
        code = _one(columns, kind, "CD", source)
        if code is None:
            continue
        name = _one(columns, kind, "NM", source)
        if name is None:
            raise BoundaryFileError(
                f"{source} has a {kind} code field ({code}) but no {kind} name field. "
                f"Use a file with both, like {code[:-2]}CD and {code[:-2]}NM."
            )
        parent = _one(columns, parent_kind, "CD", source) if parent_kind else None
        return LayerFields(
            kind=kind,
            code=code,
            name=name,
            parent_code=parent,
            label_lon=_label_field(columns, LABEL_LON),
            label_lat=_label_field(columns, LABEL_LAT),
        )
    shown = ", ".join(str(c) for c in columns[:12]) or "none"
    raise BoundaryFileError(
        f"{source} has no ONS code and name fields for a county, district or ward "
        f"(like CTY23CD, LAD23CD or WD23CD). Its fields are: {shown}."
    )
