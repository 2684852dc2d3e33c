"""The price mapping: which Stripe price sells which tier and billing cycle.

The seed backend keeps it in an env var as JSON, nested
`{"basic": {"monthly": "price_..."}}`; a flat `{"basic.monthly": "price_..."}` shape is
common too. Both are read into `tier.cycle -> price id` entries.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass
from typing import Literal

CYCLE_INTERVALS = {
    "monthly": "month",
    "month": "month",
    "yearly": "year",
    "annual": "year",
    "annually": "year",
    "year": "year",
    "weekly": "week",
    "week": "week",
    "daily": "day",
    "day": "day",
}


class MappingError(ValueError):
    """The mapping is not valid JSON of a known shape. The message never quotes values."""


@dataclass(frozen=True)
class PriceMapping:
    shape: Literal["nested", "flat"]
    entries: dict[str, str]  # "basic.monthly" -> "price_..."

    def select(self, patterns: list[str] | None) -> dict[str, str]:
        """Entries whose key matches any glob pattern (`*.yearly`); all when None."""
        if patterns is None:
            return dict(self.entries)
        return {
            key: price
            for key, price in self.entries.items()
            if any(fnmatch.fnmatchcase(key, p) for p in patterns)
        }

    def tiers(self) -> set[str]:
        return {key.split(".", 1)[0] for key in self.entries}


def interval_for(key: str) -> str | None:
    """The Stripe recurring interval a mapping key's cycle implies (`pro.yearly` -> year)."""
    cycle = key.rsplit(".", 1)[-1].lower()
    return CYCLE_INTERVALS.get(cycle)


def parse_mapping(text: str) -> PriceMapping:
    """Parse the JSON mapping in either shape. Raises MappingError."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MappingError(
            f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None
    if not isinstance(data, dict) or not data:
        raise MappingError("expected a non-empty JSON object")
    entries: dict[str, str] = {}
    nested = [k for k, v in data.items() if isinstance(v, dict)]
    flat = [k for k, v in data.items() if not isinstance(v, dict)]
    if nested and flat:
        raise MappingError(
            "mixes nested tiers and flat keys "
            f"(nested: {', '.join(sorted(nested))}; flat: {', '.join(sorted(flat))})"
        )
    if nested:
        for tier, cycles in data.items():
            if not cycles:
                raise MappingError(f"tier {tier!r} maps no billing cycle")
            for cycle, price in cycles.items():
                if not isinstance(price, str):
                    raise MappingError(f"{tier}.{cycle}: expected a price id string")
                entries[f"{tier}.{cycle}"] = price
        return PriceMapping("nested", entries)
    for key, price in data.items():
        if "." not in key:
            raise MappingError(f"key {key!r}: expected tier.cycle (e.g. basic.monthly)")
        if not isinstance(price, str):
            raise MappingError(f"{key}: expected a price id string")
        entries[key] = price
    return PriceMapping("flat", entries)
