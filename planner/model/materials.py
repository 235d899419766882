"""Reserve materials (应急物资储备): depots and the stocks they hold.

A :class:`Depot` is a base that keeps materials rather than teams: a point, the jurisdiction it belongs
to (which decides, like a team's, on what terms it may supply an incident elsewhere, R-AGREEMENT) and
the minutes it needs to load and leave. A :class:`Stock` is one lot of a material at a depot: quantity
in its unit, unit price in yuan (to the fen: what the ledger charges per unit drawn) and expiry date
(the last day it may be used). Expired stock is not counted (:meth:`Stock.usable_on`).
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field, field_validator

from planner.model.core import Identifier, Located, Record


class Depot(Located):
    """A reserve-materials depot (物资储备库): where it is, whose it is, how fast it loads."""

    name: str = Field(min_length=1)
    name_zh: str = ""
    jurisdiction: Identifier
    operator: str = ""
    turnout_min: float = Field(default=0.0, ge=0, le=24 * 60, description="minutes from the order to leaving loaded")


MAX_QUANTITY = 1e12
"""The most one lot may hold, in its unit (far above any depot; bounds the arithmetic)."""
MAX_UNIT_PRICE = 1e9
"""The highest unit price accepted, yuan (bounds the arithmetic of the fen check and the ledger)."""


class Stock(Record):
    """One lot of a material at a depot: quantity and unit, unit price (yuan, to the fen) and expiry."""

    depot: Identifier
    material: Identifier = Field(description="material kind, e.g. foam_concentrate, sandbags, ppe_set")
    name: str = ""
    quantity: float = Field(ge=0, le=MAX_QUANTITY, allow_inf_nan=False,
                            description="how much the lot holds, in its unit")
    unit: str = Field(min_length=1, max_length=20, description="unit of quantity and price, e.g. L, bag, set")
    unit_price: float = Field(default=0.0, ge=0, le=MAX_UNIT_PRICE, allow_inf_nan=False,
                              description="yuan per unit, charged when drawn")
    expires: dt.date | None = Field(default=None, description="last day it may be used; empty: does not expire")

    @field_validator("unit_price")
    @classmethod
    def _whole_fen(cls, value: float) -> float:
        if abs(value * 100 - round(value * 100)) > 1e-6:
            raise ValueError(f"must be yuan to the fen (two decimals), got {value!r}")
        return value

    def usable_on(self, day: dt.date) -> bool:
        """Whether the lot may be used on ``day`` (not expired)."""
        return self.expires is None or day <= self.expires

    @property
    def whole_units(self) -> int:
        """Whole units of the lot, the quantity dispatch may draw from it."""
        return int(self.quantity + 1e-9)
