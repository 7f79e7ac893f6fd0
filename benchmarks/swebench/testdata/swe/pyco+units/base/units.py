"""Convert lengths between units."""

FACTORS = {"m": 1.0, "cm": 0.01}


def to_metres(value, unit):
    """Return value, given in unit, in metres."""
    if unit not in FACTORS:
        raise ValueError("unknown unit: " + unit)
    return value * FACTORS[unit]
