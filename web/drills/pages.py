"""Drills pages: the annual calendar, a drill's detail and the corrective-action board.

- ``GET /drills?scenario=NAME&year=YYYY``: month view of the year's stored programme (drills as chips by
  form and scope, blackout windows and the flood season shaded), unmet rules with their reasons, the
  plan list with plans flagged for revision, "plan the year" (a background job) and .ics / CSV export.
- ``GET /drills/<year>-<drill id>?scenario=NAME[&evaluation=N]``: objectives, participants, MSEL with
  "shift drill", expected response on the map, Monte Carlo histogram, evaluation entry, the latest
  evaluation (or evaluation ``N``) with its reports, the evaluation history (newest first: who, when,
  score) and the corrective actions.
- ``GET /drills/actions?scenario=NAME``: the corrective-action board (open / in progress / closed).
- ``GET /drills/<key>/exercise?scenario=NAME``: the MSEL editor (CSV / XLSX exchange) and the exercise roles.
- ``GET /drills/<key>/conduct?scenario=NAME``: the live exercise for everyone taking part, each seeing their
  role's part (polls the conduct API every second).

The pages render what is stored; every change goes through the JSON API of :mod:`web.drills.api`.
"""

from __future__ import annotations

import calendar as calendar_module
import datetime as dt
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, current_app, render_template, request

from planner.drills import evaluation_store, records
from planner.drills.conduct import OBSERVABLE
from planner.drills.settings import PLANS, calendar_document, plan_set
from planner.errors import ForbiddenError, NotFoundError
from planner.formats import month_names, weekday_names
from planner.model.codes import label
from planner.scenario.model import Scenario
from planner.store import accounts
from planner.store.settings import StoredDocuments
from web.auth import require
from web.drills.api import drill_view, local_today, may_change_action, may_change_drill, visible
from web.drills.conduct_api import access, msel_answer, setup_answer
from web.i18n import language
from web.requests import own_jurisdictions
from web.scenarios import current_scenario
from web.store import get_store

bp = Blueprint("drills", __name__)


def _scenario_name() -> str:
    return request.args.get("scenario") or current_app.config["DEFAULT_SCENARIO"]


def month_grid(programme: Mapping[str, Any], year: int, reader: str) -> list[dict[str, Any]]:
    """Twelve months of weeks of days, each day with its drills and shading (blackout, field-only, flood).

    Month names and the blackouts' reach are in the ``reader``'s language.
    """
    by_day: dict[str, list[dict[str, Any]]] = {}
    for drill in programme.get("drills", []):
        by_day.setdefault(drill["date"], []).append(drill)
    windows = [(dt.date.fromisoformat(b["start"]), dt.date.fromisoformat(b["end"]), b) for b in
               programme.get("blackouts", [])]
    flood = programme.get("flood_season")
    flood_window = None if not flood else (dt.date.fromisoformat(flood["start"]), dt.date.fromisoformat(flood["end"]))
    weeks_of = calendar_module.Calendar(firstweekday=0)
    names = month_names(reader)
    months = []
    for month in range(1, 13):
        weeks = []
        for week in weeks_of.monthdatescalendar(year, month):
            days: list[dict[str, object] | None] = []
            for day in week:
                if day.month != month:
                    days.append(None)
                    continue
                hits = [b for start, end, b in windows if start <= day <= end and b.get("name") != "flood season"]
                classes = []
                if any(b["applies_to"] == "all" for b in hits):
                    classes.append("blackout-all")
                elif hits:
                    classes.append("blackout-field")
                if flood_window and flood_window[0] <= day <= flood_window[1]:
                    classes.append("flood")
                if day.weekday() >= 5:
                    classes.append("weekend")
                days.append({"date": day, "drills": by_day.get(day.isoformat(), []), "classes": " ".join(classes),
                             "title": "; ".join(f"{b['name']} ({label('blackout_applies_to', b['applies_to'], reader)})"
                                                for b in hits)})
            weeks.append(days)
        months.append({"number": month, "name": names[month - 1], "weeks": weeks})
    return months


@bp.get("/drills")
@require("view")
def calendar_page() -> str:
    """Render the year's drill calendar."""
    name = _scenario_name()
    scenario = current_scenario(name)
    store = get_store()
    stored = records.programme_years(store, name)
    documents = StoredDocuments(store, name)
    calendar = calendar_document(documents, scenario)
    calendar_years = sorted(calendar.years) if calendar is not None else []
    year_text = request.args.get("year")
    if year_text:
        year = records.parse_year(year_text)
    elif stored:
        year = stored[0]["year"]
    else:
        today = local_today(name).year
        year = today if today in calendar_years or not calendar_years else calendar_years[-1]
    try:
        programme, version = records.get_programme(store, name, year)
        programme = visible(name, programme)
    except NotFoundError:
        programme, version = None, None
    flagged = evaluation_store.plans_needing_revision(store, name)
    plan_rows = _plan_rows(documents, scenario)
    planned = {p["id"]: p for p in (programme or {}).get("plans", [])}
    plans = [{**p, **planned.get(p["id"], {}), "needs_revision": p["needs_revision"]} for p in plan_rows]
    plans += [p for p in planned.values() if p["id"] not in {q["id"] for q in plan_rows}]
    return render_template(
        "drills.html", scenario=scenario, scenarios=store.list_scenarios(), year=year, programme=programme,
        version=version, months=month_grid(programme, year, language()) if programme else [],
        weekdays=weekday_names(language()),
        years=sorted({*calendar_years, *(s["year"] for s in stored), year}), stored=stored, plans=plans,
        flagged=flagged, has_plans=PLANS in documents, has_calendar=calendar is not None,
        board=records.board(store, name, local_today(name)), may_plan=may_change_drill(name, None),
    )


@bp.get("/drills/actions")
@require("view")
def actions_page() -> str:
    """Render the corrective-action board."""
    name = _scenario_name()
    scenario = current_scenario(name)
    store = get_store()
    today = local_today(name)
    columns = {status: [{**a, "may_edit": may_change_action(name, a.get("drill"), a.get("plan"))} for a in cards]
               for status, cards in records.board(store, name, today).items()}
    return render_template("drills_actions.html", scenario=scenario, scenarios=store.list_scenarios(),
                           columns=columns, today=today,
                           flagged=evaluation_store.plans_needing_revision(store, name))


@bp.get("/drills/<key>")
@require("view")
def drill_page(key: str) -> str:
    """One drill: design, MSEL, map, simulation, evaluation, reports, actions."""
    name = _scenario_name()
    scenario = current_scenario(name)
    records.split_key(key)
    view = drill_view(name, key)
    if view["evaluation"] is not None:
        runs = evaluation_runs(view["evaluation"])
        view["evaluation_runs"] = runs
        view["shown_evaluation"] = shown_run(runs, request.args.get("evaluation"), key)
    teams = {t.id: t for t in scenario.teams}
    return render_template("drill_detail.html", scenario=scenario, scenarios=get_store().list_scenarios(),
                           view=view, entry=view["entry"], design=view["design"], teams=teams,
                           evaluation=view["evaluation"], today=local_today(name), key=key,
                           may_edit=may_change_drill(name, key),
                           request_jurisdictions=own_jurisdictions(scenario))


def evaluation_runs(evaluation: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every evaluation of a drill, newest first (the page shows each one's time in the scenario's zone)."""
    return [{k: v for k, v in evaluation.items() if k != "history"}, *evaluation.get("history", [])]


def shown_run(runs: list[dict[str, Any]], number: str | None, key: str) -> dict[str, Any]:
    """Return the evaluation the page shows: ``?evaluation=N`` (1 = the first), else the latest."""
    if number in (None, ""):
        return runs[0]
    for run in runs:
        if str(run["number"]) == number:
            return run
    raise NotFoundError(f"drill {key} has evaluations 1 to {len(runs)}, not {number!r}", field="evaluation",
                        record=str(number))


def _plan_rows(documents: Mapping[str, Any], scenario: Scenario) -> list[dict[str, Any]]:
    """Return the stored plans, each with its required drill frequency, known before any year is planned."""
    if PLANS not in documents:
        return []
    plans = plan_set(documents, scenario)
    return [{**plan.model_dump(mode="json"), "frequency": plans.frequency(plan)} for plan in plans.plans]


@bp.get("/drills/<key>/exercise")
@require("view")
def exercise_page(key: str) -> str:
    """Render the drill's exercise set-up: the MSEL editor (CSV/XLSX exchange) and the exercise roles."""
    name = _scenario_name()
    scenario = current_scenario(name)
    caller = access(name, key)
    if not caller.staff:
        raise ForbiddenError(f"the exercise script of drill {key} is for its director, controllers and evaluators")
    users = [u["username"] for u in accounts.list_users(get_store()) if u["active"]]
    return render_template("drill_exercise.html", scenario=scenario, scenarios=get_store().list_scenarios(),
                           key=key, entry=caller.drill.entry, msel=msel_answer(name, caller.drill),
                           setup=setup_answer(name, key), users=users, role=caller.role,
                           objectives=caller.drill.template.objectives, teams=scenario.teams,
                           can_edit_msel=caller.role in ("director", "controller") or caller.planner,
                           can_edit_roles=caller.role == "director" or caller.planner)


@bp.get("/drills/<key>/conduct")
@require("view")
def conduct_page(key: str) -> str:
    """Render the live exercise, phone-sized: clock, director's controls, due injects, milestones, the log."""
    name = _scenario_name()
    scenario = current_scenario(name)
    caller = access(name, key)
    return render_template("drill_conduct.html", scenario=scenario, scenarios=get_store().list_scenarios(), key=key,
                           entry=caller.drill.entry, role=caller.role or ("planner" if caller.planner else None),
                           staff=caller.staff, events=OBSERVABLE, objectives=caller.drill.template.objectives,
                           teams=[t for t in scenario.teams if t.id in caller.drill.entry.get("teams", [])]
                           or scenario.teams, request_jurisdictions=own_jurisdictions(scenario))
