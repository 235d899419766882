"""Models of the posture routes (``web.posture``): a warning in, the readiness posture out."""

from __future__ import annotations

from typing import Any, Self

from pydantic import AwareDatetime, Field, model_validator

from planner.model.validation import Day, refuse
from web.schemas.common import Answer, QueryString, RequestBody, absent
from web.schemas.roads import BAND_HELP, CLOSURES_HELP


class PostureRequest(RequestBody):
    """A warning (CAP 1.2 XML, or entered by hand) and how the posture is planned for it; exactly one of the two."""

    model_config = {"json_schema_extra": {"oneOf": [
        {"required": ["cap"], "properties": {"cap": {"type": "string"}, "warning": {"type": "null"}}},
        {"required": ["warning"], "properties": {"warning": {"type": "object"}, "cap": {"type": "null"}}}]}}

    cap: str | None = Field(None, min_length=1, description="CAP 1.2 alert XML (at most 2 MB: the CAP reader refuses "
                                                             "larger alerts, field cap)")
    warning: dict[str, Any] | None = Field(None, description="a warning entered by hand (event, level, onset, "
                                                             "expires, area)")
    now: AwareDatetime | None = Field(None, description="clock for refusing expired alerts (default: now)")
    at: AwareDatetime | None = Field(None, description="when the posture holds (default: the warning's onset)")
    max_moves: int | None = Field(None, ge=0, le=50)
    time_limit_s: float | None = Field(None, gt=0, le=60)
    closures: str | dict[str, Any] | None = Field(None, description=CLOSURES_HELP)
    band: str | None = Field(None, description=BAND_HELP)

    @model_validator(mode="after")
    def one_warning(self) -> Self:
        """Require exactly one of ``cap`` and ``warning``."""
        if (self.cap is None) == (self.warning is None):
            raise refuse("cap", "give exactly one of cap (CAP 1.2 XML) or warning")
        return self


class PeriodsQuery(QueryString):
    """The day whose critical periods to list."""

    date: Day | None = absent("YYYY-MM-DD (default today)")


class CriticalPeriod(Answer):
    """A critical period of the drill calendar."""

    name: str
    start: str
    end: str
    applies_to: str
    source: str


class CriticalPeriods(Answer):
    """The critical periods in force on a day."""

    date: str
    periods: list[CriticalPeriod]


class PostureReport(Answer):
    """Raised sites, readiness, pre-positioning moves, and coverage before and after."""

    scenario: str
    status: str
    warnings: list[dict[str, Any]]
    moves: list[dict[str, Any]]
    before: dict[str, Any]
    after: dict[str, Any]
    settings: dict[str, Any]
