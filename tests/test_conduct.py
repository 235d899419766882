"""Drill conduct: the exercise clock, the MSEL and its exchange forms, and the whole flow through the JSON API.

The clock is the product's one clock fixed by the test (``fixed_clock``), so exercise minutes are known
exactly: StartEx at x10 and 30 s of wall time are 5 exercise minutes. The API flow runs on SQLite and on
PostgreSQL (``BOTH_DATABASES``) with four users holding the four exercise roles of one drill.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt

import pytest

from planner.drills import conduct as c
from planner.drills import records
from planner.drills.msel import check_msel, msel_csv, msel_from_template, msel_xlsx, parse_msel_csv, parse_msel_xlsx
from planner.drills.msel_roads import closure_injects
from planner.errors import InputError
from planner.scenario.library import load_library
from planner.store.accounts import create_user
from tests.conftest import load_jinan
from tests.test_drills_web import KEY, PROGRAMME

T0 = dt.datetime(2026, 4, 8, 1, 0, tzinfo=dt.UTC)
API = f"/api/v1/scenarios/jinan/drills/{KEY}"
PASSWORD = "exercise-pass-1"
ROLES = {"dir": "director", "ctl": "controller", "ctl2": "controller", "eva": "evaluator", "ply": "player"}
TEMPLATE = load_library()["chemical-fire-explosion"]


def at(seconds: float) -> dt.datetime:
    """Wall time ``seconds`` after T0."""
    return T0 + dt.timedelta(seconds=seconds)


# ----------------------------------------------------------------------------------------------------
# The clock and the log, pure


def test_the_exercise_clock_runs_at_its_speed_stops_when_paused_and_refuses_what_cannot_happen() -> None:
    msel = msel_from_template(TEMPLATE)
    run = c.change_clock(c.Conduct(drill=KEY), "start", now=at(0), by="dir", speed=10)
    assert run.state == "running" and run.exercise_min(at(30)) == 5.0  # 30 s at x10
    with pytest.raises(InputError, match="started already") as error:
        c.change_clock(run, "start", now=at(31), by="dir")
    assert error.value.field == "action"
    paused = c.change_clock(run, "pause", now=at(30), by="dir")
    assert paused.exercise_min(at(300)) == 5.0
    with pytest.raises(InputError, match="paused: resume it first"):
        c.release(paused, msel, "I1", now=at(40), by="ctl")
    resumed = c.change_clock(paused, "resume", now=at(300), by="dir", speed=2)
    assert resumed.exercise_min(at(330)) == 6.0  # 30 s more at x2
    released = c.release(resumed, msel, "I1", now=at(330), by="ctl")
    assert released.released[0].delta_min == 6.0 and released.released[0].timing == "late"
    with pytest.raises(InputError, match="released already, at T\\+6 min by ctl"):
        c.release(released, msel, "I1", now=at(331), by="ctl2")
    logged, entry = c.observe(released, event="arrived", team="ent-refinery-fire", now=at(336), by="eva")
    assert entry.exercise_min == 6.2 and entry.seq == 1
    ended = c.change_clock(logged, "end", now=at(360), by="dir")
    with pytest.raises(InputError, match="after EndEx"):
        c.observe(ended, event="note", note="late entry", now=at(361), by="eva")
    with pytest.raises(InputError, match="event must be one of"):
        c.observe(logged, event="explosion", now=at(340), by="eva")
    assert c.timeline_csv(ended).splitlines()[1:] == ["0,alarm,,,,StartEx",
                                                      "6,inject,,,,I1: Explosion: Explosion and fire at tank T-103 "
                                                      "(gasoline).", "6.2,arrived,ent-refinery-fire,,,"]


def test_a_surprise_branch_is_chosen_or_drawn_with_its_seed_and_only_its_option_is_played() -> None:
    msel = msel_from_template(TEMPLATE)
    draws = {seed: c.choose_branch(c.Conduct(drill=KEY), msel, "B1", now=at(0), by="dir", seed=seed).branches["B1"]
             for seed in range(20)}
    assert {d.option for d in draws.values()} == {"bridge-closed", "second-casualties"}  # both can be drawn
    again = c.choose_branch(c.Conduct(drill=KEY), msel, "B1", now=at(0), by="dir", seed=7).branches["B1"]
    assert again.option == draws[7].option and again.seed == 7 and again.how == "drawn"
    chosen = c.choose_branch(c.change_clock(c.Conduct(drill=KEY), "start", now=at(0), by="dir", speed=10), msel,
                             "B1", now=at(0), by="dir", option="bridge-closed")
    assert [i.id for i in c.due(chosen, msel, at(120))] == ["I1", "I3a"]  # T+20: I2 (T+25) not due yet
    with pytest.raises(InputError, match="not played"):
        c.release(chosen, msel, "I3b", now=at(120), by="ctl")
    with pytest.raises(InputError, match="chosen already"):
        c.choose_branch(chosen, msel, "B1", now=at(1), by="dir", option="second-casualties")


def test_the_msel_round_trips_through_csv_and_bad_rows_are_named() -> None:
    msel = msel_from_template(TEMPLATE)
    assert check_msel(parse_msel_csv(msel_csv(msel)), TEMPLATE) == msel
    rows = msel_csv(msel).splitlines()
    with pytest.raises(InputError, match="line 2: offset_min must be minutes"):
        parse_msel_csv("\n".join([rows[0], rows[1].replace(",0.0,", ",soon,", 1)]))
    duplicate = "\n".join([rows[0], rows[1], rows[1]])
    with pytest.raises(InputError, match="inject I1: duplicate id"):
        check_msel(parse_msel_csv(duplicate), TEMPLATE)
    with pytest.raises(InputError, match="objective 'O9' is not one of") as error:
        check_msel({"injects": [{"id": "X", "offset_min": 1, "text": "t", "objective": "O9"}]}, TEMPLATE)
    assert error.value.field == "objective"
    with pytest.raises(InputError, match="branch 'B2' needs at least two options"):
        check_msel({"injects": [{"id": "X", "offset_min": 1, "text": "t", "branch": "B2", "option": "a"}]}, TEMPLATE)


def test_the_msel_round_trips_through_xlsx() -> None:
    msel = msel_from_template(TEMPLATE)
    assert check_msel(parse_msel_xlsx(msel_xlsx(msel)), TEMPLATE) == msel


# ----------------------------------------------------------------------------------------------------
# Through the JSON API


@pytest.fixture
def exercise(app, users, fixed_clock):
    """Jinan with one programme drill, five exercise users and their roles; clients by user name."""
    store = app.extensions["planner_store"]
    load_jinan(store, small_plans=True)
    records.save_programme(store, "jinan", copy.deepcopy(PROGRAMME))
    for name in ROLES:
        create_user(store, name, PASSWORD, "viewer")  # a viewer account may hold any role in a drill
    fixed_clock(T0)
    clients = {name: _client(app, name, PASSWORD) for name in ROLES}
    clients["planner"] = _client(app, "planner", users["planner"])
    roles = [{"user": name, "role": role} for name, role in ROLES.items()]
    assert clients["planner"].put(f"{API}/exercise", json={"roles": roles}).status_code == 200
    return clients


def _client(app, user: str, password: str):
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    return client


def test_one_drill_end_to_end_through_the_api(exercise, fixed_clock) -> None:
    ctl, ctl2, dirc, eva, ply = (exercise[n] for n in ("ctl", "ctl2", "dir", "eva", "ply"))
    msel = ctl.get(f"{API}/msel").json
    assert msel["version"] is None and msel["branches"] == {"B1": ["bridge-closed", "second-casualties"]}
    injects = msel["injects"]
    injects[0]["to"] = "refinery fire brigade"
    injects.append({"id": "C1", "offset_min": 0, "text": "Control room calls again: any news?", "mode": "phone",
                    "contingency_for": "I1"})
    saved = ctl.put(f"{API}/msel", json={"injects": injects, "expected_version": None})
    assert saved.status_code == 200 and saved.json["version"] == 1
    injects[0]["text"] = "edited by the second controller"
    stale = ctl2.put(f"{API}/msel", json={"injects": injects, "expected_version": None})  # edited the same inject
    assert stale.status_code == 409 and stale.json["error"]["current_version"] == 1
    assert ply.get(f"{API}/msel").status_code == 403  # players never see the script

    assert dirc.post(f"{API}/conduct", json={"action": "start", "speed": 10, "seed": 3}).json["state"] == "running"
    assert ctl.post(f"{API}/conduct", json={"action": "pause"}).status_code == 403  # the clock is the director's
    fixed_clock(at(90))  # T+15 at x10
    due = ctl.get(f"{API}/conduct").json
    played = due["branches"]["B1"]["option"]
    assert [i["id"] for i in due["due"]] == ["I1", "I3a" if played == "bridge-closed" else "I3b"]
    assert due["branches"]["B1"]["seed"] == 3
    for inject in [i["id"] for i in due["due"]]:
        assert ctl.post(f"{API}/conduct/injects/{inject}/release", json={"msel_version": 1}).status_code == 200
    again = ctl2.post(f"{API}/conduct/injects/I1/release", json={})
    assert again.status_code == 400 and "released already" in again.json["error"]["message"]
    edited = ctl2.put(f"{API}/msel", json={"injects": [{**injects[0], "text": "changed"}, *injects[1:]],
                                          "expected_version": 1})
    assert edited.status_code == 400 and "released to the players already" in edited.json["error"]["message"]
    player_view = ply.get(f"{API}/conduct").json
    assert [r["inject"] for r in player_view["released"]] == [i["id"] for i in due["due"]]
    assert player_view["due"] == [] and player_view["observations"] == []
    assert player_view["released"][0]["to"] == "refinery fire brigade"

    logged = {}
    for seconds, event in ((96, "notified"), (102, "dispatched"), (108, "departed"), (126, "arrived")):
        fixed_clock(at(seconds))
        answer = eva.post(f"{API}/conduct/observations", json={"event": event, "team": "ent-refinery-fire"})
        assert answer.status_code == 201
        logged[event] = answer.json["exercise_min"]
    assert logged == {"notified": 16.0, "dispatched": 17.0, "departed": 18.0, "arrived": 21.0}
    assert dirc.post(f"{API}/conduct", json={"action": "pause"}).json["state"] == "paused"
    fixed_clock(at(600))
    note = eva.post(f"{API}/conduct/observations", json={"event": "note", "note": "water curtain late",
                                                        "objective": "O1"})
    assert note.status_code == 201 and note.json["exercise_min"] == 21.0  # the clock stood still
    assert dirc.post(f"{API}/conduct", json={"action": "resume"}).json["exercise_min"] == 21.0
    fixed_clock(at(630))  # T+26
    assert ctl.post(f"{API}/conduct/injects/I2/release", json={"msel_version": 1}).status_code == 200
    fixed_clock(at(636))
    arrived = ctl.post(f"{API}/conduct/observations", json={"event": "arrived", "team": "sd-fire-special-heavy"})
    assert arrived.json["exercise_min"] == 27.0 and arrived.json["by"] == "ctl" and arrived.json["role"] == "controller"
    ended = dirc.post(f"{API}/conduct", json={"action": "end"}).json
    assert ended["state"] == "ended" and ended["evaluated"]
    late = eva.post(f"{API}/conduct/observations", json={"event": "note", "note": "after the end"})
    assert late.status_code == 400 and "after EndEx" in late.json["error"]["message"]

    evaluation = exercise["planner"].get(f"/api/v1/scenarios/jinan/evaluations/{KEY}").json
    results = {r["objective"]: r["observed_min"] for r in evaluation["evaluation"]["objectives"]}
    assert results["O1"] == 21.0  # first fire squad: the logged arrival, exactly
    assert evaluation["source"] == "conduct" and evaluation["evaluated_by"] == "dir"
    assert [(n["objective"], n["note"], n["exercise_min"]) for n in evaluation["notes"]] == \
        [("O1", "water curtain late", 21.0)]
    assert evaluation["evaluation"]["figures"]["injects"] == 3  # three releases
    pdf = exercise["planner"].get(f"/api/v1/scenarios/jinan/evaluations/{KEY}/report?format=aar_pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    html = exercise["planner"].get(f"/api/v1/scenarios/jinan/evaluations/{KEY}/report?format=aar").get_data(
        as_text=True)
    assert "Areas for improvement" in html and "water curtain late" in html
    assert '<figure id="drill-map"' in html and "© OpenStreetMap contributors" in html  # where the drill was

    planner = exercise["planner"]
    created = planner.post("/api/v1/scenarios/jinan/actions", json={
        "text": "Drill the water curtain set-up monthly", "owner": "refinery fire chief", "due": "2026-06-30",
        "drill": KEY, "priority": "high", "capability": "fire_squad"})
    assert created.status_code == 201 and created.json["finding"] == "manual"
    action = created.json["id"]
    edited = planner.patch(f"/api/v1/scenarios/jinan/actions/{action}", json={"owner": "deputy chief",
                                                                             "version": 1})
    assert edited.status_code == 200 and edited.json["owner"] == "deputy chief"
    unproven = planner.patch(f"/api/v1/scenarios/jinan/actions/{action}", json={
        "status": "closed", "verified_by": "Li", "version": 2})
    assert unproven.status_code == 400 and unproven.json["error"]["field"] == "evidence"
    closed = planner.patch(f"/api/v1/scenarios/jinan/actions/{action}", json={
        "status": "closed", "verified_by": "Li", "evidence": "curtain up in 4 min on 2026-05-20", "version": 2})
    assert closed.status_code == 200 and closed.json["status"] == "closed"
    board = planner.get("/api/v1/scenarios/jinan/actions").json["columns"]
    assert action in [a["id"] for a in board["closed"]]


def test_refusals_change_nothing(exercise, fixed_clock) -> None:
    ctl, dirc, eva, ply = (exercise[n] for n in ("ctl", "dir", "eva", "ply"))
    assert eva.post(f"{API}/conduct/observations", json={"event": "arrived"}).status_code == 400  # before StartEx
    assert ply.post(f"{API}/conduct/observations", json={"event": "arrived"}).status_code == 403
    assert dirc.post(f"{API}/conduct", json={"action": "start", "speed": 11}).status_code == 400
    assert dirc.post(f"{API}/conduct", json={"action": "start", "speed": 10}).status_code == 200
    before = ctl.get(f"{API}/conduct").json
    fixed_clock(at(60))
    changed = ctl.put(f"{API}/msel", json={"injects": [{"id": "I1", "offset_min": 0, "text": "new text"}],
                                          "expected_version": None})
    assert changed.status_code == 200 and changed.json["version"] == 1
    stale = ctl.post(f"{API}/conduct/injects/I1/release", json={"msel_version": 99})  # edited while being released
    assert stale.status_code == 409 and stale.json["error"]["field"] == "msel_version"
    for bad in ({"event": "explosion"}, {"event": "note"}, {"event": "arrived", "objective": "O9"}):
        answer = eva.post(f"{API}/conduct/observations", json=bad)
        assert answer.status_code == 400, bad
    assert dirc.post(f"{API}/conduct/branches/B9", json={"option": "x"}).status_code == 400
    after = ctl.get(f"{API}/conduct").json
    assert after["version"] == before["version"] and after["released"] == [] and after["observations"] == []


def test_a_no_notice_drill_is_invisible_to_its_players_until_startex(exercise) -> None:
    planner, ply, dirc = exercise["planner"], exercise["ply"], exercise["dir"]
    roles = [{"user": n, "role": r} for n, r in ROLES.items()]
    setup = planner.put(f"{API}/exercise", json={"roles": roles, "no_notice": True, "window_start": "2026-04-01",
                                                 "window_end": "2026-04-30", "expected_version": 1})
    assert setup.status_code == 200
    programme = "/api/v1/scenarios/jinan/programmes/2026"
    for client, sees in ((ply, False), (dirc, True), (planner, True)):
        assert (client.get(programme).json["drills"] != []) is sees
        assert (client.get(f"/api/v1/scenarios/jinan/drills/{KEY}").status_code == 200) is sees
        assert (client.get(f"{API}/conduct").status_code == 200) is sees
    hidden = ply.get(f"{API}/conduct")
    assert hidden.status_code == 404 and "no drill" in hidden.json["error"]["message"]
    assert KEY.split("-", 1)[1] not in ply.get("/drills?scenario=jinan&year=2026").get_data(as_text=True)
    assert "refinery-onsite-tank" not in ply.get(f"{programme}/export?format=csv").get_data(as_text=True)
    assert dirc.post(f"{API}/conduct", json={"action": "start", "speed": 5}).status_code == 200
    assert ply.get(f"{API}/conduct").json["state"] == "running"
    assert len(ply.get(programme).json["drills"]) == 1
    wrong = planner.put(f"{API}/exercise", json={"roles": roles, "no_notice": True, "window_start": "2026-05-01",
                                                 "window_end": "2026-05-30", "expected_version": 2})
    assert wrong.status_code == 400 and wrong.json["error"]["field"] == "window_end"


def test_roles_name_real_accounts_once_each(exercise) -> None:
    planner = exercise["planner"]
    for roles, field in (([{"user": "nobody", "role": "player"}], "user"),
                         ([{"user": "ply", "role": "player"}, {"user": "ply", "role": "evaluator"}], "role"),
                         ([{"user": "eva", "role": "evaluator", "objectives": ["O9"]}], "objectives"),
                         ([{"user": "ply", "role": "player", "team": "no-team"}], "team")):
        answer = planner.put(f"{API}/exercise", json={"roles": roles, "expected_version": 1})
        assert answer.status_code == 400 and answer.json["error"]["field"] == field, roles
    guide = exercise["eva"].get(f"{API}/exercise/guide").json["objectives"]
    assert [o["id"] for o in guide] == ["O1", "O2", "O3"]
    first = guide[0]
    assert first["target_min"] == 5 and first["expected_first_arrival_min"] is not None
    assert any("isolate the tank area" in task for task in first["critical_tasks"])
    assert exercise["ply"].get(f"{API}/exercise/guide").status_code == 403


def test_the_conduct_routes_are_in_the_openapi_document(client) -> None:
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in ("/msel", "/msel/export", "/msel/import", "/exercise", "/exercise/guide", "/conduct",
                 "/conduct/injects/{inject_id}/release", "/conduct/observations", "/conduct/branches/{branch}"):
        assert f"/api/v1/scenarios/{{name}}/drills/{{key}}{path}" in paths, path


def test_an_msel_closure_counts_for_the_branch_option_chosen_or_before_startex_the_first() -> None:
    area = {"type": "Polygon", "coordinates": [[[117.0, 36.65], [117.01, 36.65], [117.01, 36.66], [117.0, 36.65]]]}
    injects = [*msel_from_template(TEMPLATE).to_json()["injects"],
               {"id": "X1", "offset_min": 5, "text": "flooded", "branch": "B2", "option": "flooded", "closures": area},
               {"id": "X2", "offset_min": 5, "text": "dry", "branch": "B2", "option": "dry"},
               {"id": "X3", "offset_min": 9, "text": "cut", "closures": "north-corridor-cut"}]
    msel = check_msel({"injects": injects}, TEMPLATE)
    assert [i.id for i in closure_injects(msel, {})] == ["X1", "X3"]  # before StartEx: B2's first option
    assert [i.id for i in closure_injects(msel, {"B2": "dry"})] == ["X3"]
    assert check_msel(parse_msel_csv(msel_csv(msel)), TEMPLATE) == msel  # a drawn area travels as GeoJSON text
    assert check_msel(parse_msel_xlsx(msel_xlsx(msel)), TEMPLATE) == msel
