"""Models of the requests routes (``web.requests``): requests for help, their actions, boards and claims.

A request's body is the planner's :class:`planner.requests.model.RequestEntry` and an action's its
:class:`~planner.requests.model.ActionEntry`, so the API, the pages and the library read them alike.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from planner.requests.model import ActionEntry, RequestEntry
from web.schemas.common import Answer, QueryString, absent

__all__ = ["ActionEntry", "RequestEntry"]


class ProposedLender(Answer):
    """A unit the optimiser proposes: its lender, capabilities, travel and arrival minutes, agreement, cost."""

    unit: str
    lender: str
    capabilities: dict[str, int]
    people: int
    travel_min: float
    arrival_min: float
    agreement: str = Field(description="the agreement it is lent under; empty for own forces")
    cost: float = Field(description="what the ledger will charge for it at the expected duration, yuan")
    route_km: float


class ProposedShortfall(Answer):
    """What the lenders allowed at the level cannot bring on time."""

    capability: str
    missing: int
    deadline_min: float


class Proposal(Answer):
    """Who should lend at the request's level (the dispatch optimiser over the lenders allowed there)."""

    level: str = Field(description="the approving jurisdiction whose lenders were considered")
    region: str = Field(description="the incident's jurisdiction (the borrower of the agreements)")
    status: str
    lenders: list[ProposedLender]
    shortfall: list[ProposedShortfall]
    compensation: float


class RequestUnit(Answer):
    """A unit asked of a lender, and where it stands (requested, offered, declined, accepted ... returned)."""

    unit: str
    lender: str
    status: str
    people: int
    route_km: float


class TimelineEntry(Answer):
    """One state change: when, what, the state it led to, who, in which jurisdiction."""

    at: str
    action: str
    state: str
    by: str
    jurisdiction: str | None
    note: str
    units: list[str]


class Claim(Answer):
    """The compensation claim generated from the ledger on return: lines, exclusions, payers, status."""

    status: str = Field(description="claimed, reviewed, disputed or paid")
    lines: list[dict[str, Any]]
    excluded: list[dict[str, Any]]
    totals_by_payer: dict[str, float]
    total: float
    payers: list[str]
    notes: list[dict[str, Any]]


class RequestTimes(Answer):
    """Minutes the request took against its plan (null where the step has not happened yet)."""

    request_to_approval_min: float | None
    approval_to_arrival_min: float | None
    planned_arrival_min: float | None = Field(description="the proposal's earliest arrival, minutes from the order")
    late_by_min: float | None


class RequestAnswer(Answer):
    """A request for help with its state, proposal, units, timeline and claim."""

    id: str
    scenario: str
    jurisdiction: str
    state: str
    level: str = Field(description="the jurisdiction whose approver acts now")
    incident: dict[str, Any]
    drill: str | None = Field(description="the drill this request exercises (a drill exercise settles no money: it "
                                          "has no claim, and real requests may call its units away), else null")
    needs: list[dict[str, Any]]
    proposal: Proposal
    units: list[RequestUnit]
    timeline: list[TimelineEntry]
    claim: Claim | None
    created_at: str
    version: int
    times: RequestTimes


class RequestList(Answer):
    """The requests you may see, newest first."""

    requests: list[RequestAnswer]


class RequestBoard(Answer):
    """A board: requests awaiting your approval, your outgoing ones, and those asked of your teams."""

    awaiting: list[RequestAnswer]
    outgoing: list[RequestAnswer]
    incoming: list[RequestAnswer]


class ClaimSummary(Answer):
    """One request's claim in the claims list."""

    request: str
    jurisdiction: str
    state: str
    status: str
    total: float
    totals_by_payer: dict[str, float]


class ClaimList(Answer):
    """The claims of the requests you may see."""

    claims: list[ClaimSummary]


class ClaimsQuery(QueryString):
    """Which payer's claims to export (all when left out)."""

    payer: str | None = absent("a payer as the ledger names it: government:<id> or unit:<name>")
