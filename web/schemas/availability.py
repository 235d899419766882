"""Models of the availability routes (``web.availability``): who and what is available at a time."""

from __future__ import annotations

from pydantic import Field

from web.schemas.common import Answer, QueryString, absent


class AvailabilityQuery(QueryString):
    """The moment to assess: ISO 8601, without an offset a wall-clock time in the scenario's zone."""

    at: str | None = absent("the moment, e.g. 2026-07-01T08:00 (default: now)")


class FlagAnswer(Answer):
    """Why a team counts for less than it declares: the rule, what falls short, the rule's source."""

    rule: str
    message: str
    source: str


class TeamAvailabilityAnswer(Answer):
    """One team at the moment: people on duty (null: none recorded), what it can staff, what it declares."""

    id: str
    status: str
    on_duty: int | None
    people: int
    roles: dict[str, int] = Field(description="people on duty by role")
    qualifications: dict[str, int] = Field(description="people on duty holding a valid certificate, by kind")
    capabilities: dict[str, int] = Field(description="capability units it can staff at the moment")
    nominal: dict[str, int] = Field(description="capability units it declares (equipment in service included)")
    declared_type: int | None
    met_type: int | None
    responds: bool
    reason: str
    flags: list[FlagAnswer]


class AvailabilityAnswer(Answer):
    """Every team of the scenario at the moment."""

    scenario: str
    at: str
    teams: list[TeamAvailabilityAnswer]


class UpkeepQuery(QueryString):
    """The day of the board (ISO date)."""

    day: str | None = absent("the day, e.g. 2026-07-01 (default: today in the scenario's zone)")


class UpkeepItemAnswer(Answer):
    """One line of the board: record, holder, what, its day and the days left (negative: past)."""

    kind: str
    record: str
    holder: str
    what: str
    day: str | None
    days_left: int | None
    status: str


class UpkeepAnswer(Answer):
    """The upkeep board of a day."""

    day: str
    within_days: int
    inspections: list[UpkeepItemAnswer]
    equipment_down: list[UpkeepItemAnswer]
    stock: list[UpkeepItemAnswer]
    certificates: list[UpkeepItemAnswer]
