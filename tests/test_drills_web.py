"""Drills web: the plan-the-year job, calendar and exports, drill design, simulation, evaluation, actions, roles."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from pathlib import Path

import icalendar
import pytest

from planner.cli import main
from planner.drills import records
from planner.drills.programme import FIRST_YEAR, LAST_YEAR
from planner.drills.records import DRILL_KEY
from planner.drills.sim_case import build_case
from planner.drills.simulate import monte_carlo
from planner.formats import month_names, weekday_names
from planner.model.codes import label
from planner.scenario.library import load_library
from planner.store.settings import store_settings
from tests.conftest import FIXTURES, jinan_folder, load_jinan

DRILL = {"id": "refinery-onsite-tank-H1", "date": "2026-04-08", "form": "field", "scope": "single",
         "scenario": "chemical-fire-explosion", "plans": ["refinery-onsite-tank"], "teams": ["ent-refinery-fire"],
         "site": "site-refinery-tank-farm", "owner": "org-refinery", "satisfies": ["R-DRILL-2 refinery-onsite-tank H1"]}
KEY = "2026-refinery-onsite-tank-H1"
PROGRAMME = {"year": 2026, "status": "optimal", "seconds": 1.0, "timezone": "Asia/Shanghai", "settings": {},
             "organisations": [], "plans": [], "drills": [DRILL], "blackouts": [], "flood_season": None,
             "unmet": [], "coverage_gaps": []}
API = "/api/v1/scenarios/jinan"
OBSERVED = "time,event\n0,alarm\n1,notified\n"


@pytest.fixture(scope="module")
def jinan_records() -> tuple[object, dict]:
    """The Jinan scenario and its settings with four plans (a quick CP-SAT year), read once."""
    return jinan_folder(small_plans=True)


@pytest.fixture
def store(app, users, jinan_records):
    """The test app's store with Jinan and its plans and calendar loaded."""
    jinan, settings = jinan_records
    opened = app.extensions["planner_store"]
    opened.save_scenario(jinan)
    store_settings(opened, jinan.name, settings)
    return opened


@pytest.fixture
def planned(store):
    """Jinan with a stored 2026 programme of one refinery tank-fire drill."""
    records.save_programme(store, "jinan", copy.deepcopy(PROGRAMME))
    return store


def _wait(app, job_id: str) -> dict:
    return app.extensions["planner_jobs"].wait(job_id, timeout_s=120)


def test_plan_the_year_job_stores_the_programme_shown_and_exported(app, client, auth, store) -> None:
    auth.login("planner")
    started = client.post(f"{API}/programmes/plan", json={"year": 2026})
    assert started.status_code == 202
    job = _wait(app, started.json["id"])
    assert job["status"] == "done" and job["progress"] == 1.0, job
    saved = client.post(f"{API}/programmes", json={"job": job["id"]})
    assert saved.status_code == 201 and saved.json["version"] == 1
    again = client.post(f"{API}/programmes", json={"job": job["id"]})  # re-plan without the version seen: 409
    assert again.status_code == 409 and again.json["error"]["field"] == "version"
    programme = client.get(f"{API}/programmes/2026").json
    assert programme["drills"] and {d["date"][:4] for d in programme["drills"]} == {"2026"}
    page = client.get("/drills?scenario=jinan&year=2026").get_data(as_text=True)
    for drill in programme["drills"]:
        assert f'data-drill="{drill["id"]}"' in page
    assert 'class="blackout-all"' in page or "blackout-all" in page
    for unmet in programme["unmet"]:
        assert unmet["rule"] in page
    ics = client.get(f"{API}/programmes/2026/export?format=ics")
    events = icalendar.Calendar.from_ical(ics.data).walk("VEVENT")
    assert sorted(str(e["DTSTART"].dt) for e in events) == sorted(d["date"] for d in programme["drills"])
    csv_text = client.get(f"{API}/programmes/2026/export?format=csv").get_data(as_text=True)
    assert csv_text.lstrip("\ufeff").startswith("id,date,form") and csv_text.count("\n") == len(programme["drills"]) + 1


def test_drill_form_and_scope_shown_by_their_labels_in_the_language(client, auth, planned) -> None:
    auth.login("viewer")
    drill = PROGRAMME["drills"][0]
    for language in ("zh_CN", "en"):
        year = client.get(f"/drills?scenario=jinan&year=2026&lang={language}").get_data(as_text=True)
        detail = client.get(f"/drills/{KEY}?scenario=jinan&lang={language}").get_data(as_text=True)
        for page in (year, detail):
            assert label("drill_form", drill["form"], language) in page
            assert label("drill_scope", drill["scope"], language) in page
        assert "实战 field" not in year + detail and "桌面 tabletop" not in year + detail
        assert f"<h3>{month_names(language)[0]}</h3>" in year and f"<th>{weekday_names(language)[0]}</th>" in year
    assert "一月 Jan" not in year and "<th>一</th>" not in year  # the English page: English heads only


def test_viewer_is_refused_every_edit(client, auth, planned) -> None:
    auth.login("viewer")
    assert client.get("/drills?scenario=jinan").status_code == 200
    page = client.get(f"/drills/{KEY}?scenario=jinan").get_data(as_text=True)
    assert 'id="plan-year"' not in page and 'id="evaluate"' not in page and 'id="shift-form"' not in page
    refused = [
        client.post(f"{API}/programmes/plan", json={"year": 2026}),
        client.post(f"{API}/jobs", json={"kind": "drills-plan", "params": {"year": 2026}}),
        client.post(f"{API}/jobs", json={"kind": "drills-simulate", "params": {}}),
        client.post(f"{API}/programmes", json={"job": "abc"}),
        client.put(f"{API}/drills/{KEY}/design", json={}),
        client.post(f"{API}/drills/{KEY}/shift", json={"minutes": 10}),
        client.post(f"{API}/drills/{KEY}/simulations", json={"runs": 10}),
        client.post(f"{API}/evaluations/{KEY}", json={"csv": "time,event\n0,alarm\n"}),
        client.patch(f"{API}/actions/CA-1", json={"status": "closed"}),
        client.post(f"{API}/evaluations/{KEY}/turnout/ent-refinery-fire/apply", json={}),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    auth.logout()
    auth.login("dispatcher")  # may run dispatch, not change the drill programme or the team records
    assert client.post(f"{API}/drills/{KEY}/shift", json={"minutes": 10}).status_code == 403


@pytest.mark.parametrize(("method", "url", "body", "field"), [
    ("post", "/programmes/plan", {"year": "next"}, "year"),
    ("post", "/programmes/plan", {"year": 1999}, "years"),
    ("post", "/programmes/plan", {"year": 2026, "time_limit_s": -1}, "time_limit_s"),
    ("post", "/programmes", {"job": 5}, "job"),
    ("post", "/programmes", [], "body"),
    ("post", f"/drills/{KEY}/simulations", {"runs": 0}, "runs"),
    ("post", f"/drills/{KEY}/simulations", {"seed": -3}, "seed"),
    ("post", f"/drills/{KEY}/shift", {}, "minutes"),
    ("post", f"/drills/{KEY}/shift", {"start": "tomorrow"}, "start"),
    ("post", f"/drills/{KEY}/shift", {"minutes": 1e300}, "minutes"),
    ("post", f"/drills/{KEY}/shift", {"start": "9999-12-31T23:59"}, "start"),
    ("post", f"/evaluations/{KEY}", {"events": []}, "events"),
    ("post", f"/evaluations/{KEY}", {"events": [{"time": "soon", "event": "alarm"}]}, "time"),
    ("post", f"/evaluations/{KEY}", {"csv": "time,event\n0,explosion\n"}, "event"),
    ("post", f"/evaluations/{KEY}", {"csv": "when,what\n"}, "header"),
    ("post", f"/evaluations/{KEY}", {"csv": OBSERVED, "plan": "other-plan"}, "plan"),
    ("post", f"/evaluations/{KEY}", {"csv": OBSERVED, "expected_version": "v1"}, "expected_version"),
    ("post", f"/evaluations/{KEY}", {"csv": OBSERVED, "date": "9 April"}, "date"),
    ("post", f"/evaluations/{KEY}", {"csv": OBSERVED, "owner": 7}, "owner"),
    ("post", "/evaluations/not-a-key", {"csv": OBSERVED}, "drill"),
    ("post", f"/evaluations/{KEY}", {"csv": "time,event\n0,alarm\n"}, "csv"),  # blank: no response observed
    ("post", f"/evaluations/{KEY}", {"events": [{"time": 0, "event": "alarm"}, {"time": 5, "event": "note"}]},
     "events"),
    ("get", f"/evaluations/{KEY}/report?evaluation=0", None, "evaluation"),
    ("get", "/programmes/2026/export?format=xls", None, "format"),
    ("get", f"/evaluations/{KEY}/report?format=doc", None, "format"),
])
def test_bad_input_is_a_400_naming_the_field(client, auth, planned, method, url, body, field) -> None:
    auth.login("planner")
    response = getattr(client, method)(API + url, json=body) if body is not None else getattr(client, method)(API + url)
    assert response.status_code == 400, response.json
    assert response.json["error"]["field"] == field


def test_unknown_things_are_404(client, auth, planned) -> None:
    auth.login("planner")
    assert client.get(f"{API}/programmes/2031").status_code == 404
    assert client.get(f"{API}/drills/2026-no-such-drill").status_code == 404
    assert client.get(f"{API}/evaluations/{KEY}").status_code == 404
    assert client.patch(f"{API}/actions/CA-none", json={"status": "open"}).status_code == 404


def test_design_shift_and_simulation_job(app, client, auth, planned) -> None:
    auth.login("planner")
    drill = client.get(f"{API}/drills/{KEY}").json
    design = drill["design"]
    assert not drill["design_stored"] and design["start"] == "2026-04-08T09:00:00+08:00"  # 09:00 in Jinan's zone
    assert [o["id"] for o in design["objectives"]] == ["O1", "O2", "O3"] and design["msel"]
    assert {t["team"] for t in drill["map"]["teams"]} == {e["team"] for e in design["expected_dispatch"]}
    shifted = client.post(f"{API}/drills/{KEY}/shift", json={"minutes": 45})
    assert shifted.status_code == 200
    before = [m["at_min"] for m in design["msel"]]
    after = shifted.json["design"]
    assert after["start"] == "2026-04-08T09:45:00+08:00" and [m["at_min"] for m in after["msel"]] == before
    stale = client.post(f"{API}/drills/{KEY}/shift", json={"minutes": 5, "expected_version": 1})
    assert stale.status_code == 409
    page = client.get(f"/drills/{KEY}?scenario=jinan").get_data(as_text=True)
    assert "2026年4月8日 09:45 +08:00 (Asia/Shanghai)" in page and "five fire squads assembled within 30 min" in page

    started = client.post(f"{API}/drills/{KEY}/simulations", json={"runs": 40, "seed": 7})
    assert started.status_code == 202
    job = _wait(app, started.json["id"])
    assert job["status"] == "done", job
    saved = client.put(f"{API}/drills/{KEY}/simulation",
                       json={"job": job["id"], "expected_version": shifted.json["version"]})
    assert saved.status_code == 200
    scenario = app.extensions["planner_store"].load_scenario("jinan")
    expected = monte_carlo(build_case(scenario, load_library()["chemical-fire-explosion"], DRILL["site"]), 40, seed=7)
    simulation = client.get(f"{API}/drills/{KEY}").json["simulation"]
    assert simulation["metrics"] == expected.to_dict()["metrics"]
    histogram = simulation["histograms"]["first:fire_squad"]
    assert sum(histogram["counts"]) == round(simulation["metrics"]["first:fire_squad"]["share"] * 40)


def test_evaluation_scores_the_timeline_and_its_actions_stay_until_closed(app, client, auth, planned) -> None:
    auth.login("planner")
    observed = (FIXTURES / "drills" / "observed-tank-fire.csv").read_text()
    response = client.post(f"{API}/evaluations/{KEY}", json={"csv": observed, "date": "2026-04-09"})
    assert response.status_code == 201, response.json
    evaluation = response.json["evaluation"]
    assert evaluation["figures"]["first_arrival_min"] == 12.0 and evaluation["figures"]["teams_arrived"] == 2
    assert evaluation["figures"]["alarm_to_notified_min"] == 1.0 and evaluation["figures"]["duration_min"] == 40.0
    ratings = {o["objective"]: (o["observed_min"], o["rating"]) for o in evaluation["objectives"]}
    assert ratings == {"O1": (12.0, "U"), "O2": (26.0, "P"), "O3": (12.0, "P")}
    assert response.json["turnout_proposals"] == [{"team": "ent-refinery-fire", "current_min": 2.0,
                                                   "proposed_min": 8.0, "drill": KEY}]
    assert {a["severity"] for a in response.json["actions"]} == {"major", "minor"}
    again = client.post(f"{API}/evaluations/{KEY}", json={"csv": observed})  # re-evaluating needs the version
    assert again.status_code == 409

    board = client.get(f"{API}/actions").json
    open_ids = [a["id"] for a in board["columns"]["open"]]
    assert open_ids == [f"CA-{KEY}-1", f"CA-{KEY}-2"]
    assert "refinery-onsite-tank" in board["plans_needing_revision"]
    assert "需修订" in client.get("/drills?scenario=jinan&year=2026").get_data(as_text=True)
    report = client.get(f"{API}/evaluations/{KEY}/report?format=html").get_data(as_text=True)
    assert "12.0" in report and "O1" in report
    assert '<figure id="drill-map"' in report and "参演队伍基地" in report  # the drill's map: site, bases, jurisdiction
    assert f"CA-{KEY}-1" in client.get(f"{API}/evaluations/{KEY}/report?format=summary").get_data(as_text=True)
    assert client.get(f"{API}/evaluations/{KEY}/report?format=pdf").data.startswith(b"%PDF")

    major = f"CA-{KEY}-1"
    moved = client.patch(f"{API}/actions/{major}", json={"status": "in_progress", "version": 1})
    assert moved.status_code == 200 and moved.json["version"] == 2
    refused = client.patch(f"{API}/actions/{major}", json={"status": "closed", "version": 2})
    assert refused.status_code == 400 and refused.json["error"]["field"] == "verified_by"
    proven = {"status": "closed", "verified_by": "Li", "evidence": "drill log"}
    assert client.patch(f"{API}/actions/{major}", json={**proven, "version": 1}).status_code == 409
    assert major in client.get("/drills/actions?scenario=jinan").get_data(as_text=True)
    board = client.get(f"{API}/actions").json
    assert [a["id"] for a in board["columns"]["in_progress"]] == [major]
    closed = client.patch(f"{API}/actions/{major}", json={**proven, "version": 2})
    assert closed.status_code == 200 and closed.json["status"] == "closed"
    board = client.get(f"{API}/actions").json
    assert [a["id"] for a in board["columns"]["closed"]] == [major]
    assert [a["id"] for a in board["columns"]["open"]] == [f"CA-{KEY}-2"]
    assert "refinery-onsite-tank" not in board["plans_needing_revision"]

    applied = client.post(f"{API}/evaluations/{KEY}/turnout/ent-refinery-fire/apply", json={})
    assert applied.status_code == 200 and applied.json["turnout_min"] == 8.0
    store = app.extensions["planner_store"]
    team, _ = store.get_record("jinan", "teams", "ent-refinery-fire")
    assert team["turnout_min"] == 8.0
    assert any(e["kind"] == "teams" and e["record_id"] == "ent-refinery-fire" and e["actor"] == "planner"
               for e in store.audit_log(scenario="jinan"))
    assert client.get(f"{API}/evaluations/{KEY}").json["turnout_proposals"][0]["applied"] is True


def test_openapi_documents_the_drill_routes(client, auth, store) -> None:
    auth.login("viewer")
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in ("/api/v1/scenarios/{name}/programmes", "/api/v1/scenarios/{name}/programmes/plan",
                 "/api/v1/scenarios/{name}/drills/{key}/simulations", "/api/v1/scenarios/{name}/evaluations/{key}",
                 "/api/v1/scenarios/{name}/actions/{action_id}"):
        assert path in paths, path
    assert "edit_drills" in paths["/api/v1/scenarios/{name}/evaluations/{key}"]["post"]["description"]


def test_fixture_is_valid(jinan_records) -> None:
    assert Path(FIXTURES / "drills" / "plans-small.yaml").is_file()


def test_plan_list_shows_each_required_frequency_before_planning(client, auth, app):
    load_jinan(app.extensions["planner_store"])
    auth.login("viewer")
    html = client.get("/drills?scenario=jinan&year=2026").get_data(as_text=True)
    for frequency in ("half-yearly", "yearly"):  # shown by its label in the page's language, not as its code
        assert f"<td>{label('drill_frequency', frequency, 'zh_CN')}</td>" in html
    assert "<td>yearly</td>" not in html


SIMULATION = {"runs": 40, "seed": 7, "template": "chemical-fire-explosion", "drill": KEY,
              "metrics": {"first:fire_squad": {"p50": 9.5, "p90": 11.0}}}


def test_cli_and_api_evaluate_alike_and_every_evaluation_is_kept(client, auth, planned, cli_env, capsys) -> None:
    records.save_simulation(planned, "jinan", KEY, SIMULATION)
    observed = FIXTURES / "drills" / "observed-tank-fire.csv"
    text = observed.read_text()
    cli = ["drills", "evaluate", "--scenario", "jinan", "--drill", KEY, "--date", "2026-04-09"]
    assert main([*cli, "--observed", str(observed), "--by", "li.cli", "--json"]) == 0
    by_cli = json.loads(capsys.readouterr().out)
    assert "simulation expected p50 9.5 / p90 11" in by_cli["evaluation"]["findings"][0]["text"]  # the stored one

    auth.login("planner")
    first = client.get(f"{API}/evaluations/{KEY}").json
    assert (first["evaluated_by"], first["number"], first["history"]) == ("li.cli", 1, [])
    by_api = client.post(f"{API}/evaluations/{KEY}", json={"csv": text, "date": "2026-04-09",
                                                             "expected_version": first["version"]})
    assert by_api.status_code == 201, by_api.json
    assert by_api.json["evaluation"]["score"] == by_cli["evaluation"]["score"]
    assert by_api.json["evaluation"]["findings"] == by_cli["evaluation"]["findings"]
    assert by_api.json["evaluation"] == by_cli["evaluation"]
    assert by_api.json["turnout_proposals"] == by_cli["turnout_proposals"]
    assert by_api.json["actions"] == [] and [a["id"] for a in by_cli["actions"]] == [f"CA-{KEY}-1", f"CA-{KEY}-2"]

    latest = client.get(f"{API}/evaluations/{KEY}").json
    assert (latest["number"], latest["evaluated_by"], latest["version"]) == (2, "planner", 2)
    assert [h["number"] for h in latest["history"]] == [1]
    earlier = latest["history"][0]
    assert earlier["evaluated_by"] == "li.cli" and earlier["observed_csv"] == text
    assert (earlier["plan"], earlier["owner"]) == ("refinery-onsite-tank", "org-refinery")
    assert earlier["date"] == "2026-04-09"
    assert earlier["simulated"] == {"runs": 40, "seed": 7} and earlier["evaluation"] == by_cli["evaluation"]
    assert dt.datetime.fromisoformat(earlier["evaluated_at"]).utcoffset() is not None
    assert dt.datetime.fromisoformat(earlier["evaluated_at"]) <= dt.datetime.fromisoformat(latest["evaluated_at"])

    # blank inputs are refused, on both paths, and the stored evaluations stay as they were
    blank = client.post(f"{API}/evaluations/{KEY}", json={"events": [{"time": 0, "event": "alarm"}],
                                                          "expected_version": 2})
    assert blank.status_code == 400 and blank.json["error"]["field"] == "events"
    alarm_only = cli_env / "alarm-only.csv"
    alarm_only.write_text("time,event,team\n09:00,alarm,\n09:30,note,\n")
    assert main([*cli, "--observed", str(alarm_only), "--expected-version", "2"]) == 2
    assert "observed: the observed timeline records no response" in capsys.readouterr().err
    assert client.get(f"{API}/evaluations/{KEY}").json == latest

    # a slower timeline: only the changed finding becomes an action, numbered on; history newest first
    slower = text.replace("09:12,arrived,ent-refinery-fire", "09:14,arrived,ent-refinery-fire")
    third = client.post(f"{API}/evaluations/{KEY}", json={"csv": slower, "plan": "refinery-onsite-tank",
                                                          "owner": "Zhao", "expected_version": 2})
    assert third.status_code == 201, third.json
    assert [(a["id"], a["owner"]) for a in third.json["actions"]] == [(f"CA-{KEY}-3", "Zhao")]
    view = client.get(f"{API}/evaluations/{KEY}").json
    assert view["number"] == 3 and [h["number"] for h in view["history"]] == [2, 1]
    assert [h["evaluated_by"] for h in view["history"]] == ["planner", "li.cli"]
    assert view["history"][0]["observed_csv"] == text and view["observed_csv"] == slower
    assert client.get(f"{API}/evaluations").json["evaluations"][0]["evaluations"] == 3
    assert "14.0" in client.get(f"{API}/evaluations/{KEY}/report?format=html").get_data(as_text=True)
    assert "14.0" not in client.get(f"{API}/evaluations/{KEY}/report?format=html&evaluation=1").get_data(as_text=True)
    assert client.get(f"{API}/evaluations/{KEY}/report?evaluation=4").status_code == 404


def test_drill_page_shows_the_history_newest_first_and_an_earlier_evaluation(client, auth, planned) -> None:
    auth.login("planner")
    text = (FIXTURES / "drills" / "observed-tank-fire.csv").read_text()
    assert client.post(f"{API}/evaluations/{KEY}", json={"csv": text}).status_code == 201
    slower = text.replace("09:12,arrived,ent-refinery-fire", "09:14,arrived,ent-refinery-fire")
    assert client.post(f"{API}/evaluations/{KEY}", json={"csv": slower, "expected_version": 1}).status_code == 201
    auth.login("viewer")
    page = client.get(f"/drills/{KEY}?scenario=jinan").get_data(as_text=True)
    history = page[page.index('id="evaluation-history"'):]
    history = history[:history.index("</table>")]
    assert re.findall(r'<tr data-number="(\d+)"', history) == ["2", "1"]
    assert history.count("planner") == 2 and "+08:00 (Asia/Shanghai)" in history
    scores = re.findall(r'<td class="score">([\d.]+)</td>', history)
    view = client.get(f"{API}/evaluations/{KEY}").json
    assert scores == [str(view["evaluation"]["score"]), str(view["history"][0]["evaluation"]["score"])]
    assert f"/drills/{KEY}?scenario=jinan&amp;evaluation=1" in history
    assert 'id="earlier-evaluation"' not in page and "14.0" in page

    earlier = client.get(f"/drills/{KEY}?scenario=jinan&evaluation=1").get_data(as_text=True)
    assert 'id="earlier-evaluation"' in earlier and 'data-number="1"' in earlier
    result = earlier[earlier.index('id="evaluation-result"'):earlier.index('id="evaluation-history"')]
    assert "12.0" in result and "14.0" not in result and "evaluation=1" in result  # its own reports
    assert client.get(f"/drills/{KEY}?scenario=jinan&evaluation=7").status_code == 404


def test_an_evaluation_stored_before_the_history_reads_and_moves_into_it(client, auth, planned) -> None:
    """The document the earlier web code stored (no history, no who/when) stays readable and is kept."""
    legacy = {
        "id": KEY, "drill": KEY, "template": "chemical-fire-explosion", "plan": "refinery-onsite-tank",
        "date": "2026-04-09", "owner": "org-refinery", "observed_csv": "time,event\n0,alarm\n3,arrived\n",
        "evaluation": {"drill": KEY, "template": "chemical-fire-explosion", "score": 5.0, "figures": {},
                       "objectives": [], "findings": [], "turnout": []},
        "simulated": None, "turnout_proposals": [{"team": "ent-refinery-fire", "current_min": 2.0,
                                                  "proposed_min": 8.0, "drill": KEY}],
        "plan_needs_revision": False, "actions": [], "applied": ["ent-refinery-fire"],
    }
    planned.put_document("jinan", "evaluations", KEY, legacy)
    auth.login("planner")
    view = client.get(f"{API}/evaluations/{KEY}").json
    assert (view["number"], view["evaluated_by"], view["evaluated_at"], view["history"]) == (1, None, None, [])
    assert view["turnout_proposals"][0]["applied"] is True
    assert "评估历史" in client.get(f"/drills/{KEY}?scenario=jinan").get_data(as_text=True)
    text = (FIXTURES / "drills" / "observed-tank-fire.csv").read_text()
    assert client.post(f"{API}/evaluations/{KEY}", json={"csv": text, "expected_version": 1}).status_code == 201
    history = client.get(f"{API}/evaluations/{KEY}").json["history"]
    assert len(history) == 1 and history[0]["observed_csv"] == legacy["observed_csv"]
    assert history[0]["evaluated_by"] is None and history[0]["applied"] == ["ent-refinery-fire"]


def test_the_drills_plan_job_through_the_jobs_api_works_as_the_page_button_on_the_default_scenario(
        app, client, auth, users) -> None:
    """Issue 13: a drills-plan job started through ``POST /jobs`` on the default scenario failed ("internal error",
    ScannerError) while the page's button worked.

    The cause, in the code of the time: started through the jobs API the kind received no plans and calendar and
    read the scenario folder's YAML itself, unguarded; the page's route passed the stored documents. Both now read
    the stored settings documents and go through the one kind with its one check. The scenario here is the shipped
    Jinan as ``python -m planner init`` stores it, with four of its plans (a quick CP-SAT year on a busy machine).
    """
    store = app.extensions["planner_store"]
    load_jinan(store, small_plans=True)
    auth.login("planner")
    through_jobs = client.post(f"{API}/jobs", json={"kind": "drills-plan", "params": {"year": 2026}})
    through_page = client.post(f"{API}/programmes/plan", json={"year": 2026})
    assert through_jobs.status_code == through_page.status_code == 202
    by_jobs, by_page = _wait(app, through_jobs.json["id"]), _wait(app, through_page.json["id"])
    assert by_jobs["status"] == by_page["status"] == "done", (by_jobs["error"], by_page["error"])
    assert by_jobs["params"] == by_page["params"] == {"year": 2026}
    assert set(by_jobs["result"]) == set(by_page["result"])
    assert by_jobs["result"]["plans"] == by_page["result"]["plans"] and by_jobs["result"]["drills"]
    saved = client.post(f"{API}/programmes", json={"job": by_jobs["id"]})  # the page's next step takes it
    assert saved.status_code == 201 and saved.json["drills"] == len(by_jobs["result"]["drills"])
    refused = client.post(f"{API}/jobs", json={"kind": "drills-plan", "params": {"year": 2031}})
    assert refused.status_code == 400 and "2031" in refused.json["error"]["message"]  # as the page's route refuses
    assert client.post(f"{API}/programmes/plan", json={"year": 2031}).json["error"] == refused.json["error"]


def test_the_drill_key_pattern_holds_exactly_the_programme_years():
    years = [year for year in range(1000, 10000) if DRILL_KEY.fullmatch(f"{year}-D1")]
    assert years == list(range(FIRST_YEAR, LAST_YEAR + 1))
    assert not DRILL_KEY.fullmatch("2026-D1\n") and not DRILL_KEY.fullmatch("٢٠٢٦-D1")
