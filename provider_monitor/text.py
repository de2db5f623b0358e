"""Small text rules shared by forms and imports."""

import re


def normalise_postcode(value: str | None) -> str | None:
    """'ng185bh' → 'NG18 5BH'; None for blank."""
    if not value or not value.strip():
        return None
    compact = re.sub(r"\s+", "", value).upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact
