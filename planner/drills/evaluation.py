"""Evaluate a drill from its observed timeline against its objectives and the simulated expectation.

Each objective is measured on the observed timeline (first arrival of a capability, or the time the
wanted quantity is assembled on scene) and rated HSEEP-style: **P** performed without challenges (within
the target), **S** some challenges (within 1.25 x target), **M** major challenges (within 1.5 x target),
**U** unable to perform (later, or never). The AQ/T 9009-style item score is 5/4/2/1 for P/S/M/U [U: the
scale is a planning assumption; AQ/T 9009 leaves it to the evaluator]. Where a simulation summary is given,
each observed time is compared with the simulated median and 90th percentile. Every objective not rated P
becomes a finding (U = major). A team whose observed turn-out (dispatched to departed) exceeds its modelled
``turnout_min`` by more than 20 % and 1 min yields a proposed update (see :mod:`planner.drills.improvement`).

A drill that exercised cross-region requests for help (:mod:`planner.requests`, flagged with the drill) has
each request's times scored on the same scale against the plan's :class:`~planner.drills.plans.RequestTargets`:
request to approval against ``approval_min``; approval to the first unit on scene against the proposal's
planned arrival plus ``arrival_margin_min`` (only where the proposal planned an arrival). These items count in
the mean score and become findings like objectives do.

The observed timeline CSV has columns ``time`` (minutes after the alarm, or ``HH:MM`` clock time with the
``alarm`` row as T + 0), ``event`` (alarm, notified, dispatched, departed, arrived, entry, task_done,
casualty_out, hazard_isolated, evacuated, inject, note), ``team``, ``capability`` and ``quantity``
(optional: else the team's capabilities) and ``note``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import Field, computed_field, model_validator

from planner.drills.plans import DEFAULT_REQUEST_TARGETS, RequestTargets
from planner.errors import InputError
from planner.model.reading import csv_dicts, csv_lines, read_text
from planner.model.validation import Model
from planner.scenario.library import Objective, Template

EVENTS = ("alarm", "notified", "dispatched", "departed", "arrived", "entry", "task_done", "casualty_out",
          "hazard_isolated", "evacuated", "inject", "note")
MILESTONES = ("casualty_out", "hazard_isolated", "evacuated")
"""Milestones beyond the response's arrival that a drill may log; the figures give the first time of each."""
RATING_SCORE = {"P": 5, "S": 4, "M": 2, "U": 1}
RATING_TEXT = {"P": "performed without challenges", "S": "performed with some challenges",
               "M": "performed with major challenges", "U": "unable to be performed"}
TURNOUT_TOLERANCE = 1.2


@dataclass(frozen=True)
class ObservedEvent:
    """One line of the observed timeline, time in minutes after the alarm."""

    time_min: float
    event: str
    team: str = ""
    capability: str = ""
    quantity: int = 0
    note: str = ""


Rating = Literal["P", "S", "M", "U"]
Severity = Literal["major", "minor"]


class ObjectiveResult(Model):
    """An objective's observed time, target, rating and the simulated expectation."""

    objective: str
    text: str
    target_min: float
    observed_min: float | None
    rating: Rating
    score: int
    simulated_p50: float | None = None
    simulated_p90: float | None = None


@dataclass(frozen=True)
class ExercisedRequest:
    """A cross-region request a drill exercised: its id and its times in minutes (None: the step has not happened).

    ``planned_arrival_min`` is the proposal's earliest arrival (the optimiser's plan), as
    :func:`planner.requests.model.request_times` reads it from the stored request.
    """

    id: str
    request_to_approval_min: float | None
    approval_to_arrival_min: float | None
    planned_arrival_min: float | None


class RequestResult(Model):
    """One timed step of an exercised request (``approval`` or ``arrival``), its target and rating."""

    request: str
    step: Literal["approval", "arrival"]
    text: str
    target_min: float
    observed_min: float | None
    rating: Rating
    score: int


class Finding(Model):
    """A problem the drill showed; ``major`` findings flag the plan for revision (条例 Art 6)."""

    id: str
    objective: str | None
    severity: Severity
    text: str


class TurnoutObservation(Model):
    """A team's observed turn-out against the modelled one."""

    team: str
    modelled_min: float
    observed_min: float


class Evaluation(Model):
    """The scored drill; its JSON lists the results as ``objectives`` and carries the mean ``score``."""

    drill: str
    template: str
    results: tuple[ObjectiveResult, ...] = Field(alias="objectives")
    findings: tuple[Finding, ...]
    turnout: tuple[TurnoutObservation, ...]
    figures: dict[str, Any]
    requests: tuple[RequestResult, ...] = ()
    """The cross-region requests the drill exercised, each step scored against the plan's targets."""

    @model_validator(mode="before")
    @classmethod
    def _drop_derived_score(cls, data: Any) -> Any:
        """Drop a stored ``score``: it is derived from the results and recomputed, not read."""
        if isinstance(data, Mapping) and "score" in data:
            return {k: v for k, v in data.items() if k != "score"}
        return data

    @computed_field  # type: ignore[prop-decorator]
    @property
    def score(self) -> float:
        """Mean item score (1-5) over the objectives and the exercised requests' steps, to two decimals."""
        items = [r.score for r in self.results] + [r.score for r in self.requests]
        return round(sum(items) / len(items), 2) if items else 0.0


class Expectation(Protocol):
    """A simulated expectation: a ``SimSummary`` just run, or a drill's stored ``SimulationRecord``."""

    def percentile(self, metric: str, q: float) -> float:
        """Return the ``q``-th percentile of a key time (nan when unknown)."""
        ...


def parse_observed(text: str, *, where: str = "observed") -> list[ObservedEvent]:
    """Observed timeline from CSV text; raises ``InputError`` naming the line and field."""
    header, records = csv_dicts(csv_lines(text.removeprefix("\ufeff")), where)
    if not {"time", "event"} <= set(header):
        raise InputError(f"{where}: the header must have 'time' and 'event' columns", field="header")
    rows = list(records)
    clock0: float | None = None
    for line, row in rows:
        if (row.get("event") or "").strip() == "alarm" and ":" in (row.get("time") or ""):
            clock0 = _clock(row["time"], f"{where} line {line}")
            break
    events = []
    for line, row in rows:
        here = f"{where} line {line}"
        event = (row.get("event") or "").strip()
        if event not in EVENTS:
            raise InputError(f"{here}: event must be one of {', '.join(EVENTS)}, got {event!r}", field="event")
        raw = (row.get("time") or "").strip()
        if ":" in raw:
            if clock0 is None:
                raise InputError(f"{here}: clock times need an 'alarm' row with a clock time", field="time")
            minutes = (_clock(raw, here) - clock0) % (24 * 60)
        else:
            try:
                minutes = float(raw)
            except ValueError:
                raise InputError(f"{here}: time must be minutes or HH:MM, got {raw!r}", field="time") from None
        if minutes < 0:
            raise InputError(f"{here}: time must not be negative", field="time")
        quantity_text = (row.get("quantity") or "").strip()
        try:
            quantity = int(quantity_text) if quantity_text else 0
        except ValueError:
            raise InputError(f"{here}: quantity must be an integer, got {quantity_text!r}", field="quantity") from None
        events.append(ObservedEvent(minutes, event, (row.get("team") or "").strip(),
                                    (row.get("capability") or "").strip(), quantity, (row.get("note") or "").strip()))
    return sorted(events, key=lambda e: e.time_min)


def read_observed(path: str | Path) -> list[ObservedEvent]:
    """Read an observed timeline CSV file."""
    path = Path(path)
    return parse_observed(read_text(path, field="observed"), where=path.name)


def _clock(text: str, where: str) -> float:
    try:
        hours, minutes = text.strip().split(":")[:2]
        return int(hours) * 60 + float(minutes)
    except ValueError:
        raise InputError(f"{where}: bad clock time {text!r}", field="time") from None


def arrivals(events: Sequence[ObservedEvent],
             capabilities: Mapping[str, Mapping[str, int]]) -> list[tuple[float, dict[str, int]]]:
    """Arrival times with the capabilities each arrival brings (the row's, else the team's)."""
    out = []
    for e in events:
        if e.event != "arrived":
            continue
        if e.capability:
            out.append((e.time_min, {e.capability: e.quantity or 1}))
        else:
            out.append((e.time_min, dict(capabilities.get(e.team, {}))))
    return out


def measure(objective: Objective, events: Sequence[ObservedEvent],
            capabilities: Mapping[str, Mapping[str, int]]) -> float | None:
    """Observed minutes for an objective: first arrival, or when ``quantity`` is assembled (None if never)."""
    wanted = 1 if objective.metric == "first_arrival" else objective.quantity
    held = 0
    for time_min, brought in arrivals(events, capabilities):
        held += brought.get(objective.capability, 0)
        if held >= wanted:
            return time_min
    return None


def rate(observed: float | None, target: float) -> Rating:
    """HSEEP-style rating P/S/M/U of an observed time against its target."""
    if observed is None:
        return "U"
    if observed <= target:
        return "P"
    if observed <= 1.25 * target:
        return "S"
    if observed <= 1.5 * target:
        return "M"
    return "U"


def score_requests(requests: Sequence[ExercisedRequest], targets: RequestTargets) -> list[RequestResult]:
    """Rate each exercised request's approval and arrival times against the plan's targets (P/S/M/U)."""
    out = []
    for request in requests:
        steps: list[tuple[Literal["approval", "arrival"], str, float, float | None]] = [
            ("approval", f"request {request.id}: request to approval", targets.approval_min,
             request.request_to_approval_min)]
        if request.planned_arrival_min is not None:
            steps.append(("arrival", f"request {request.id}: approval to first unit on scene (planned arrival "
                                     f"{request.planned_arrival_min:g} + {targets.arrival_margin_min:g} min)",
                          round(request.planned_arrival_min + targets.arrival_margin_min, 2),
                          request.approval_to_arrival_min))
        for step, text, target, observed in steps:
            rating = rate(observed, target)
            out.append(RequestResult(request=request.id, step=step, text=text, target_min=target,
                                     observed_min=observed, rating=rating, score=RATING_SCORE[rating]))
    return out


def evaluate_drill(
    drill_id: str,
    template: Template,
    events: Sequence[ObservedEvent],
    capabilities: Mapping[str, Mapping[str, int]],
    *,
    turnout_min: Mapping[str, float] | None = None,
    simulated: Expectation | None = None,
    requests: Sequence[ExercisedRequest] = (),
    request_targets: RequestTargets | None = None,
) -> Evaluation:
    """Score the observed timeline against the template's objectives (and a simulated expectation if given).

    ``requests`` are the cross-region requests the drill exercised, scored against ``request_targets``
    (the plan's; :data:`planner.drills.plans.DEFAULT_REQUEST_TARGETS` when None).
    """
    results = []
    findings: list[Finding] = []
    for objective in template.objectives:
        observed = measure(objective, events, capabilities)
        rating = rate(observed, objective.target_min)
        key = f"first:{objective.capability}" if objective.metric == "first_arrival" else \
            f"assembled:{objective.capability}:{objective.quantity}"
        p50 = p90 = None
        if simulated is not None:
            median, high = simulated.percentile(key, 50), simulated.percentile(key, 90)
            if not (math.isnan(median) or math.isnan(high)):
                p50, p90 = round(median, 2), round(high, 2)
        results.append(ObjectiveResult(objective=objective.id, text=objective.text, target_min=objective.target_min,
                                       observed_min=None if observed is None else round(observed, 2),
                                       rating=rating, score=RATING_SCORE[rating], simulated_p50=p50,
                                       simulated_p90=p90))
        if rating != "P":
            shown = "never" if observed is None else f"at {observed:g} min"
            expectation = f"; simulation expected p50 {p50:g} / p90 {p90:g} min" if p90 is not None else ""
            findings.append(Finding(id=f"F{len(findings) + 1}", objective=objective.id,
                                    severity="major" if rating == "U" else "minor",
                                    text=f"{objective.text}: observed {shown}, target {objective.target_min:g} min "
                                         f"({RATING_TEXT[rating]}){expectation}"))
    scored = score_requests(requests, request_targets or DEFAULT_REQUEST_TARGETS)
    for item in scored:
        if item.rating != "P":
            shown = "never" if item.observed_min is None else f"{item.observed_min:g} min"
            findings.append(Finding(id=f"F{len(findings) + 1}", objective=None,
                                    severity="major" if item.rating == "U" else "minor",
                                    text=f"{item.text}: observed {shown}, target {item.target_min:g} min "
                                         f"({RATING_TEXT[item.rating]})"))
    turnout = []
    dispatched = {e.team: e.time_min for e in events if e.event == "dispatched" and e.team}
    for e in events:
        if e.event == "departed" and e.team in dispatched and turnout_min and e.team in turnout_min:
            observed = round(e.time_min - dispatched[e.team], 2)
            turnout.append(TurnoutObservation(team=e.team, modelled_min=float(turnout_min[e.team]),
                                              observed_min=observed))
            modelled = float(turnout_min[e.team])
            if observed > modelled * TURNOUT_TOLERANCE and observed > modelled + 1:
                findings.append(Finding(id=f"F{len(findings) + 1}", objective=None, severity="minor",
                                        text=f"team {e.team} turned out in {observed:g} min, "
                                             f"modelled {modelled:g} min"))
    arrived = [e for e in events if e.event == "arrived"]
    notified = [e.time_min for e in events if e.event == "notified"]
    figures = {
        "alarm_to_notified_min": notified[0] if notified else None,
        "first_arrival_min": arrived[0].time_min if arrived else None,
        "teams_arrived": len({e.team for e in arrived if e.team}),
        "duration_min": max((e.time_min for e in events), default=0.0),
        "injects": sum(1 for e in events if e.event == "inject"),
        "objectives_met": sum(1 for r in results if r.rating == "P"),
        "objectives": len(results),
        **{f"first_{m}_min": next((e.time_min for e in events if e.event == m), None) for m in MILESTONES
           if any(e.event == m for e in events)},
    }
    if requests:
        figures["requests_exercised"] = len(requests)
        figures["request_steps_met"] = sum(1 for r in scored if r.rating == "P")
    return Evaluation(drill=drill_id, template=template.id, objectives=tuple(results), findings=tuple(findings),
                      turnout=tuple(turnout), figures=figures, requests=tuple(scored))
