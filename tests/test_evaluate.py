"""Evaluation from an observed timeline, reports, corrective actions until closed, turnout proposals."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from planner.drills.evaluation import Evaluation, ExercisedRequest, evaluate_drill, parse_observed, read_observed
from planner.drills.improvement import (
    CorrectiveAction,
    TurnoutProposal,
    actions_from_findings,
    apply_turnout_updates,
    open_actions,
    overdue,
    parse_action,
    plans_to_revise,
    propose_turnout_updates,
    set_status,
)
from planner.drills.plans import DEFAULT_REQUEST_TARGETS, RequestTargets, parse_plans
from planner.drills.reports import evaluation_html, report_pdf, summary_html
from planner.drills.settings import plans_touch
from planner.errors import InputError
from planner.scenario.files import read_scenario
from planner.scenario.library import load_library

LIBRARY = load_library()
CAPS = {"sq1": {"mine_rescue_squad": 1}, "sq2": {"mine_rescue_squad": 1}, "pump": {"drainage": 2}}
TIMELINE = """time,event,team,capability,quantity,note
09:00,alarm,,,,
09:04,notified,,,,
09:04,dispatched,sq1,,,
09:04,dispatched,sq2,,,
09:10,departed,sq1,,,
09:05,departed,sq2,,,
09:32,arrived,sq1,,,
09:55,arrived,sq2,,,
12:00,note,,,,end
"""


def _evaluation() -> object:
    events = parse_observed(TIMELINE)
    return evaluate_drill("D7", LIBRARY["mine-flooding"], events, CAPS, turnout_min={"sq1": 1.0, "sq2": 1.0})


def test_figures_and_ratings_match_the_timeline() -> None:
    evaluation = _evaluation()
    by_id = {r.objective: r for r in evaluation.results}
    assert by_id["O1"].observed_min == 32 and by_id["O1"].rating == "S"  # 32 <= 1.25 x 30
    assert by_id["O2"].observed_min == 55 and by_id["O2"].rating == "S"  # 55 <= 1.25 x 45 = 56.25
    assert by_id["O3"].observed_min is None and by_id["O3"].rating == "U"  # pumps never came
    assert evaluation.figures["first_arrival_min"] == 32
    assert evaluation.figures["alarm_to_notified_min"] == 4
    assert evaluation.figures["teams_arrived"] == 2 and evaluation.figures["duration_min"] == 180
    severities = [f.severity for f in evaluation.findings]
    assert severities.count("major") == 1 and len(severities) == 4  # 3 objectives + sq1's slow turnout
    html = evaluation_html(evaluation)
    assert 'data-key="first_arrival_min">32.0<' in html and ">never<" in html
    assert report_pdf(evaluation, []).startswith(b"%PDF")


def _round_trip(actions: list[CorrectiveAction]) -> list[CorrectiveAction]:
    """Through the JSON the store keeps."""
    return [parse_action(json.loads(json.dumps(a.to_json()))) for a in actions]


def test_corrective_actions_stay_listed_until_closed() -> None:
    evaluation = _evaluation()
    today = dt.date(2026, 4, 9)
    actions = actions_from_findings(evaluation, plan="p1", owner="mine safety dept", today=today)
    assert len(actions) == len(evaluation.findings) and all(a.owner and a.due > today for a in actions)
    assert [a.id for a in actions] == ["CA-D7-1", "CA-D7-2", "CA-D7-3", "CA-D7-4"]
    assert _round_trip(actions) == actions and actions[0].to_json()["due"] == "2026-06-08"  # minor: 60 days
    first = actions[0].id
    actions = set_status(actions, first, "in_progress", on=today)
    assert first in {a.id for a in open_actions(actions)}
    with pytest.raises(InputError, match="verified_by"):
        set_status(actions, first, "closed", on=today)
    actions = set_status(actions, first, "closed", on=dt.date(2026, 5, 1), verified_by="chief engineer",
                         evidence="foam tender checked")
    assert first not in {a.id for a in open_actions(actions)}
    assert len(open_actions(actions)) == len(evaluation.findings) - 1
    assert overdue(actions, dt.date(2026, 12, 1)) == open_actions(actions)
    assert first in summary_html(evaluation, _round_trip(actions))


def test_findings_raised_before_are_skipped_and_numbers_go_on() -> None:
    evaluation = _evaluation()
    today = dt.date(2026, 4, 9)
    first = actions_from_findings(evaluation, plan="p1", owner="o", today=today)
    assert actions_from_findings(evaluation, plan="p1", owner="o", today=today, existing=first) == []
    slower = parse_observed(TIMELINE.replace("09:32,arrived,sq1", "09:40,arrived,sq1"))
    later = evaluate_drill("D7", LIBRARY["mine-flooding"], slower, CAPS, turnout_min={"sq1": 1.0, "sq2": 1.0})
    new = actions_from_findings(later, plan="p1", owner="o", today=today, existing=first)
    changed = [f.text for f in later.findings if f.text not in {a.text for a in first}]
    assert len(changed) == 1 and "40 min" in changed[0]  # only O1's observed time changed
    assert [(a.id, a.text) for a in new] == [("CA-D7-5", changed[0])]
    other = Evaluation.model_validate({**later.to_json(), "drill": "D8"})
    assert [a.id for a in actions_from_findings(other, plan=None, owner="o", today=today, existing=first)] == \
        [f"CA-D8-{k}" for k in range(1, len(later.findings) + 1)]  # another drill numbers its own


def test_stored_evaluation_json_round_trips_and_is_validated() -> None:
    evaluation = _evaluation()
    data = json.loads(json.dumps(evaluation.to_json()))
    assert data["score"] == 3.0 and [o["objective"] for o in data["objectives"]] == ["O1", "O2", "O3"]
    assert Evaluation.model_validate(data) == evaluation
    with pytest.raises(ValidationError):
        Evaluation.model_validate({**data, "findings": [{**data["findings"][0], "severity": "awful"}]})
    with pytest.raises(InputError) as error:
        parse_action({**_round_trip(actions_from_findings(evaluation, plan=None, owner="o",
                                                          today=dt.date(2026, 4, 9)))[0].to_json(),
                      "due": "soon"})
    assert error.value.field == "due" and "CA-D7-1" in str(error.value)


def test_major_finding_flags_plan_for_revision() -> None:
    plans = parse_plans({"organisations": [{"id": "m", "name": "Mine", "type": "high_risk"}],
                         "plans": [{"id": "p1", "name": "P", "kind": "onsite", "owner": "m",
                                    "scenarios": ["mine-flooding"], "teams": ["sq1"]}]})
    flagged = plans_to_revise(_evaluation(), plans.plans, "p1")
    assert flagged[0].needs_revision and "drainage" in flagged[0].revision_reasons[0]


def test_turnout_proposal_needs_confirmation() -> None:
    evaluation = _evaluation()
    proposals = propose_turnout_updates(evaluation)
    assert [(p.team, p.current_min, p.proposed_min) for p in proposals] == [("sq1", 1.0, 6.0)]
    scenario = read_scenario("shanxi-coal")
    proposal = TurnoutProposal(team="nat-fenxi-zd1", current_min=1.0, proposed_min=6.0, drill="D7")
    unchanged = apply_turnout_updates(scenario, [proposal], confirmed=[])
    changed = apply_turnout_updates(scenario, [proposal], confirmed=["nat-fenxi-zd1"])
    assert {t.id: t.turnout_min for t in unchanged.teams}["nat-fenxi-zd1"] == 1.0
    assert {t.id: t.turnout_min for t in changed.teams}["nat-fenxi-zd1"] == 6.0


def test_observed_csv_errors(fixtures: Path) -> None:
    assert read_observed(fixtures / "drills" / "observed-flooding.csv")[0].event == "alarm"
    with pytest.raises(InputError, match="line 2: event must be one of"):
        parse_observed("time,event\n5,exploded\n")
    with pytest.raises(InputError, match="header"):
        parse_observed("when,what\n")


def test_exercised_requests_are_rated_against_the_plans_targets_and_never_approved_is_major() -> None:
    template = LIBRARY["chemical-fire-explosion"]
    events = parse_observed("time,event\n0,alarm\n1,notified\n")
    targets = RequestTargets(approval_min=20, arrival_margin_min=10, source="[U] test")
    requests = [ExercisedRequest("R1", 29.0, 52.0, 40.0),  # 29 <= 1.5 x 20 -> M; 52 <= 1.25 x 50 -> S
                ExercisedRequest("R2", None, None, None)]  # never approved; no lender planned: no arrival step
    evaluation = evaluate_drill("2026-x", template, events, {}, requests=requests, request_targets=targets)
    rows = [(r.request, r.step, r.target_min, r.observed_min, r.rating) for r in evaluation.requests]
    assert rows == [("R1", "approval", 20, 29.0, "M"), ("R1", "arrival", 50.0, 52.0, "S"),
                    ("R2", "approval", 20, None, "U")]
    by_text = {f.text.split(":")[0] + ":" + f.text.split(":")[1]: f.severity for f in evaluation.findings
               if f.text.startswith("request ")}
    assert by_text == {"request R1: request to approval": "minor",
                       "request R1: approval to first unit on scene (planned arrival 40 + 10 min)": "minor",
                       "request R2: request to approval": "major"}
    items = [r.score for r in evaluation.results] + [2, 4, 1]
    assert evaluation.score == round(sum(items) / len(items), 2)
    default = evaluate_drill("2026-x", template, events, {}, requests=requests[:1])
    assert [r.target_min for r in default.requests] == [DEFAULT_REQUEST_TARGETS.approval_min, 40.0 + 15.0]
    assert "[U]" in DEFAULT_REQUEST_TARGETS.source


def test_request_targets_are_plans_data_per_plan_or_for_all_and_touch_the_whole_scenario() -> None:
    plan = {"id": "p1", "name": "P", "kind": "onsite", "owner": "o1", "scenarios": ["toxic-release"], "teams": ["t1"]}
    data = {"organisations": [{"id": "o1", "name": "O", "type": "high_risk", "jurisdiction": "licheng"}],
            "plans": [plan, {**plan, "id": "p2", "request_targets": {"approval_min": 5, "arrival_margin_min": 0,
                                                                     "source": "own drill standard"}}],
            "request_targets": {"approval_min": 45, "arrival_margin_min": 20, "source": "county rule"}}
    plans = parse_plans(data)
    assert plans.targets_for("p1").approval_min == 45 and plans.targets_for("p2").approval_min == 5
    assert plans.targets_for(None).source == "county rule"
    assert parse_plans({**data, "request_targets": None}).targets_for("p1") == DEFAULT_REQUEST_TARGETS
    with pytest.raises(InputError) as refused:
        parse_plans({**data, "request_targets": {"approval_min": 0, "arrival_margin_min": 1, "source": "x"}})
    assert "approval_min" in str(refused.value)
    changed = {**data, "request_targets": {**data["request_targets"], "approval_min": 60}}
    assert plans_touch(data, changed, read_scenario("shanxi-coal")) == {""}  # the whole scenario's figure
