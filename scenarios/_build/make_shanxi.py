"""Generate the ``shanxi-coal`` scenario folder reproducibly from ``geodata/data/china``.

    .venv/bin/python scenarios/_build/make_shanxi.py

Real: the 49 Shanxi coal mines (Global Energy Monitor, CC BY 4.0; location, name, GEM id, prefecture),
the city points (Natural Earth, public domain) and the existence and host city of the national Fenxi
mine rescue team (national_rescue_teams_partial.csv). Invented: the risk grades (a stated rule on the
mine area), every regional, local and enterprise base, every team's strength, the equipment, the
agreements, the prefecture polygons (Voronoi cells) and the two seat points missing from Natural Earth.
The network is an approximation: k nearest neighbours with great-circle distance x detour factor.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    ROOT,
    SCENARIOS,
    geojson_geometry,
    voronoi_regions,
    write_csv,
    write_json,
    write_jurisdictions,
)
from counties import county_features, county_of  # noqa: E402
from shapely.geometry import MultiPoint  # noqa: E402

import make_resources  # noqa: E402

DATA = ROOT / "geodata" / "data" / "china"
OUT = SCENARIOS / "shanxi-coal"

# prefecture: (id, English name, seat as named in Natural Earth or None)
PREFECTURES = {
    "太原市": ("taiyuan", "Taiyuan", "Taiyuan"),
    "大同市": ("datong", "Datong", "Datong"),
    "阳泉市": ("yangquan", "Yangquan", "Yangquan"),
    "长治市": ("changzhi", "Changzhi", "Changzhi"),
    "晋城市": ("jincheng", "Jincheng", "Jincheng"),
    "朔州市": ("shuozhou", "Shuozhou", "Shuozhou"),
    "晋中市": ("jinzhong", "Jinzhong", "Yuci"),
    "运城市": ("yuncheng", "Yuncheng", None),
    "忻州市": ("xinzhou", "Xinzhou", "Xinzhou"),
    "临汾市": ("linfen", "Linfen", "Linfen"),
    "吕梁市": ("lvliang", "Lüliang", None),
}
# Seats missing from Natural Earth: the author's approximate coordinates [U], flagged in SOURCE.md.
AUTHOR_SEATS = {"lvliang": ("Lishi (Lüliang seat, approx.)", 111.144, 37.519),
                "yuncheng": ("Yuncheng (seat, approx.)", 111.007, 35.026)}
# Other Natural Earth towns used as waypoints, with their prefecture.
NE_TOWNS = {"Jiexiu": "jinzhong", "Houma": "linfen"}
NEIGHBOURS = [("datong", "shuozhou"), ("datong", "xinzhou"), ("shuozhou", "xinzhou"), ("xinzhou", "taiyuan"),
              ("xinzhou", "yangquan"), ("xinzhou", "lvliang"), ("taiyuan", "yangquan"), ("taiyuan", "jinzhong"),
              ("taiyuan", "lvliang"), ("yangquan", "jinzhong"), ("jinzhong", "lvliang"), ("jinzhong", "changzhi"),
              ("jinzhong", "linfen"), ("lvliang", "linfen"), ("linfen", "changzhi"), ("linfen", "jincheng"),
              ("linfen", "yuncheng"), ("changzhi", "jincheng"), ("jincheng", "yuncheng")]


def grade(area_km2: float) -> str:
    """Illustrative risk grade from the mapped mine area (a proxy for mine size and workforce)."""
    if area_km2 >= 80:
        return "red"
    if area_km2 >= 40:
        return "orange"
    if area_km2 >= 15:
        return "yellow"
    return "blue"


def read_inputs():
    mines = [r for r in csv.DictReader(open(DATA / "china_coal_mines_points.csv", encoding="utf-8"))
             if r["province"] == "山西省"]
    places = {r["name"]: (float(r["longitude"]), float(r["latitude"]))
              for r in csv.DictReader(open(DATA / "ne_10m_populated_places_china.csv", encoding="utf-8"))
              if r["adm1name"] == "Shanxi"}
    teams = list(csv.DictReader(open(DATA / "national_rescue_teams_partial.csv", encoding="utf-8")))
    fenxi = next(t for t in teams if "汾西" in t["team_name"])
    return mines, places, fenxi


def build() -> dict[str, int]:
    mines, places, fenxi = read_inputs()
    OUT.mkdir(parents=True, exist_ok=True)
    seats: dict[str, tuple[str, float, float]] = {}
    for zh, (pid, _name, ne_name) in PREFECTURES.items():
        if ne_name:
            lon, lat = places[ne_name]
            seats[pid] = (ne_name, lon, lat)
        else:
            seats[pid] = AUTHOR_SEATS[pid]
    waypoints = [{"name": name, "lon": round(lon, 4), "lat": round(lat, 4)} for name, lon, lat in seats.values()]
    waypoints += [{"name": town, "lon": round(places[town][0], 4), "lat": round(places[town][1], 4)}
                  for town in NE_TOWNS]

    # jurisdictions: Voronoi of seats + towns + mines (mines carry their real prefecture), clipped to a
    # buffered hull of all points
    anchors: dict[str, list[tuple[float, float]]] = {pid: [seats[pid][1:]] for pid in seats}
    for town, pid in NE_TOWNS.items():
        anchors[pid].append(places[town])
    for m in mines:
        anchors[PREFECTURES[m["prefecture"]][0]].append((float(m["lon"]), float(m["lat"])))
    all_points = [p for pts in anchors.values() for p in pts]
    clip = MultiPoint(all_points).convex_hull.buffer(0.3, quad_segs=4)
    cells = voronoi_regions(anchors, clip)
    features = [
        {"properties": {"id": "cn", "name": "China", "name_zh": "中国", "level": "country"}, "geometry": None},
        {"properties": {"id": "shanxi", "name": "Shanxi Province", "name_zh": "山西省", "level": "province",
                        "parent": "cn"}, "geometry": None},
    ]
    for zh, (pid, name, _ne) in PREFECTURES.items():
        features.append({"properties": {"id": pid, "name": f"{name} City", "name_zh": zh, "level": "city",
                                        "parent": "shanxi", "approximate": True, "illustrative": True},
                         "geometry": geojson_geometry(cells[pid])})
    features += county_features()  # the counties of the mines, below their cities (no boundary drawn)
    counts = {"jurisdictions": write_jurisdictions(OUT / "jurisdictions.geojson", features)}

    # bases
    def at(pid: str) -> tuple[float, float]:
        return round(seats[pid][1], 4), round(seats[pid][2], 4)

    bases = [
        {"id": "nat-fenxi", "name": "National mine rescue Fenxi team (host city Jiexiu)",
         "name_zh": fenxi["team_name"], "tier": "national", "operator": fenxi["host_org"], "jurisdiction": "cn",
         "lon": float(fenxi["lon"]), "lat": float(fenxi["lat"]), "illustrative": False},
        {"id": "sx-taiyuan", "name": "Shanxi provincial mine rescue centre, Taiyuan (illustrative)",
         "name_zh": "山西省矿山救援中心太原基地(示意)", "tier": "regional", "operator": "Shanxi Department of Emergency "
         "Management (illustrative)", "jurisdiction": "shanxi", **dict(zip(("lon", "lat"), at("taiyuan")))},
        {"id": "sx-datong", "name": "Northern Shanxi regional mine rescue base, Datong (illustrative)",
         "name_zh": "晋北区域矿山救援基地大同(示意)", "tier": "regional", "operator": "coal group rescue brigade "
         "(illustrative)", "jurisdiction": "shanxi", **dict(zip(("lon", "lat"), at("datong")))},
        {"id": "sx-changzhi", "name": "Southeast Shanxi regional mine rescue base, Changzhi (illustrative)",
         "name_zh": "晋东南区域矿山救援基地长治(示意)", "tier": "regional", "operator": "coal group rescue brigade "
         "(illustrative)", "jurisdiction": "shanxi", **dict(zip(("lon", "lat"), at("changzhi")))},
    ]
    for pid in ("yangquan", "jincheng", "shuozhou", "jinzhong", "xinzhou", "linfen", "lvliang", "yuncheng"):
        name = [n for n in PREFECTURES.values() if n[0] == pid][0][1]
        zh = [k for k, v in PREFECTURES.items() if v[0] == pid][0]
        bases.append({"id": f"local-{pid}", "name": f"{name} city mine rescue brigade (illustrative)",
                      "name_zh": f"{zh}矿山救护大队(示意)", "tier": "local", "operator": f"{name} city (illustrative)",
                      "jurisdiction": pid, **dict(zip(("lon", "lat"), at(pid)))})
    enterprise = [
        ("ent-liulin", "Liulin mining-area rescue station (enterprise, illustrative)", "柳林矿区救护站(企业,示意)",
         "lvliang", 110.875, 37.44),
        ("ent-gujiao", "Gujiao mining-area rescue station (enterprise, illustrative)", "古交矿区救护站(企业,示意)",
         "taiyuan", 112.17, 37.90),
        ("ent-tunliu", "Tunliu mining-area rescue station (enterprise, illustrative)", "屯留矿区救护站(企业,示意)",
         "changzhi", 112.90, 36.33),
        ("ent-xiangning", "Xiangning mining-area rescue station (enterprise, illustrative)", "乡宁矿区救护站(企业,示意)",
         "linfen", 110.70, 35.85),
    ]
    for bid, name, zh, pid, lon, lat in enterprise:
        bases.append({"id": bid, "name": name, "name_zh": zh, "tier": "enterprise",
                      "operator": "mine operator (illustrative)", "jurisdiction": pid, "lon": lon, "lat": lat})
    for b in bases:
        b.setdefault("illustrative", True)
    counts["bases"] = write_csv(OUT / "bases.csv", "bases", bases)

    # teams: mine rescue companies (中队) of 3 squads of >= 10 people; heavy kit as drilling teams
    teams = []

    def team(base, suffix, name, zh, ttype, members, squads, turnout, caps, readiness="normal",
             availability="available"):
        teams.append({"id": f"{base}-{suffix}", "name": name, "name_zh": zh, "team_type": ttype, "base": base,
                      "members": members, "squads": squads, "turnout_min": turnout, "capabilities": caps,
                      "readiness": readiness, "availability": availability, "illustrative": True})

    for k in (1, 2, 3):
        team("nat-fenxi", f"zd{k}", f"Fenxi team company {k}", f"汾西队{k}中队", "mine_rescue", 32, 3, 1,
             {"mine_rescue_squad": 3, "gas_detection": 3}, "full" if k == 1 else "normal",
             "drilling" if k == 3 else "available")
    team("nat-fenxi", "heavy", "Fenxi team heavy-kit unit (drainage, drilling)", "汾西队重型装备分队", "drilling", 40,
         2, 30, {"drilling_squad": 2, "drainage": 4, "large_diameter_drill": 1})
    for base in ("sx-taiyuan", "sx-datong", "sx-changzhi"):
        for k in (1, 2):
            team(base, f"zd{k}", f"{base.split('-')[1].title()} regional company {k}", f"区域救援{k}中队",
                 "mine_rescue", 30 + k, 3, 1, {"mine_rescue_squad": 3, "gas_detection": 2},
                 "raised" if k == 1 else "normal", "committed" if (base, k) == ("sx-datong", 2) else "available")
    team("sx-taiyuan", "drill", "Provincial drilling rescue unit", "省钻探救援分队", "drilling", 36, 2, 30,
         {"drilling_squad": 2, "large_diameter_drill": 1, "drainage": 2})
    team("sx-changzhi", "drain", "Southeast drainage unit", "晋东南排水分队", "drilling", 20, 1, 20,
         {"drilling_squad": 1, "drainage": 3})
    for b in bases:
        if b["tier"] == "local":
            team(b["id"], "zd1", f"{b['name'].split(' city')[0]} mine rescue company", "矿山救护中队", "mine_rescue",
                 30, 3, 1, {"mine_rescue_squad": 3})
        elif b["tier"] == "enterprise":
            team(b["id"], "squad", "Enterprise mine rescue squads", "企业矿山救护小队", "mine_rescue", 20, 2, 2,
                 {"mine_rescue_squad": 2})
    team("sx-taiyuan", "medical", "Provincial mine-accident medical team", "省矿难医疗救治队", "medical", 24, 3, 20,
         {"medical_squad": 3})
    for t in teams:  # declared types (R-TYPING), checked against the typing table on duty; illustrative
        t["resource_type"] = 1 if t["base"] == "nat-fenxi" and t["team_type"] == "mine_rescue" else \
            2 if t["base"].startswith("sx-") and t["team_type"] == "mine_rescue" else None
    counts["teams"] = write_csv(OUT / "teams.csv", "teams", teams)

    equipment = []
    for t in teams:
        s = t["squads"]
        if t["team_type"] == "mine_rescue":
            items = [("oxygen_breathing_apparatus", "4-hour oxygen breathing apparatus (4h正压氧气呼吸器)", 10 * s,
                      ["breathing_apparatus", "light"]),
                     ("gas_detector", "multi-gas detectors (多参数气体检测仪)", 2 * s, ["gas_detection", "light"]),
                     ("resuscitator", "automatic resuscitators (自动苏生器)", s, ["medical", "light"]),
                     ("disaster_phone", "disaster-area telephones (灾区电话)", s, ["communications", "light"])]
        elif t["team_type"] == "drilling":
            items = [("rescue_drill_rig", "large-diameter rescue drill rig (大口径救援钻机)", 1, ["drilling", "heavy"]),
                     ("drainage_pump", "high-lift drainage pumps (大流量排水泵)", 2 + 2 * s, ["drainage", "heavy"])]
        else:
            items = [("ambulance", "ambulances (救护车)", s, ["medical", "light"])]
        for kind, name, qty, tags in items:
            equipment.append({"id": f"eq-{t['id']}-{kind}", "kind": kind, "name": name, "quantity": qty,
                              "capabilities": tags, "team": t["id"], "illustrative": True})
    for base, kind, name, qty, tags in [
        ("nat-fenxi", "nitrogen_unit", "nitrogen inerting unit (制氮注氮装置)", 1, ["fire", "heavy"]),
        ("nat-fenxi", "rescue_capsule_winch", "rescue capsule and winch (救生舱及绞车)", 1, ["drilling", "heavy"]),
        ("sx-taiyuan", "command_vehicle", "command and communications vehicle (指挥通信车)", 1, ["command"]),
        ("sx-datong", "drainage_pump", "submersible drainage pumps (潜水排水泵)", 4, ["drainage", "heavy"]),
        ("sx-changzhi", "inert_gas_generator", "inert-gas generator (惰气发生装置)", 1, ["fire", "heavy"]),
    ]:
        equipment.append({"id": f"eq-{base}-{kind}", "kind": kind, "name": name, "quantity": qty,
                          "capabilities": tags, "base": base, "illustrative": True})
    counts["equipment"] = write_csv(OUT / "equipment.csv", "equipment", equipment)

    sites = []
    for m in mines:
        area = float(m["area_km2"])
        sites.append({
            "id": f"mine-{m['GEM Mine ID']}", "name": m["mine_name"], "kind": "coal_mine", "risk_grade": grade(area),
            "jurisdiction": county_of(PREFECTURES[m["prefecture"]][0], float(m["lon"]), float(m["lat"])),
            "lon": float(m["lon"]), "lat": float(m["lat"]),
            "source": f"GEM Mine ID {m['GEM Mine ID']}, {m['mine_name']}; Global Energy Monitor, Coal Mine Boundaries "
                      f"and Methane Sources v1.0.2, CC BY 4.0; point = representative point of the largest boundary "
                      f"polygon ({area:g} km2); risk grade illustrative (rule: area >=80 red, >=40 orange, >=15 "
                      f"yellow, else blue)",
            "illustrative": False})
    counts["sites"] = write_csv(OUT / "sites.csv", "sites", sites)

    standards = [
        {"id": "mine-30", "name": "Mine rescue within 30 min drive (R-COVER-MINE)", "capability": "mine_rescue",
         "max_min": 30, "site_kinds": ["coal_mine", "metal_mine", "tailings_dam"], "min_share": 1,
         "rule": "R-COVER-MINE",
         "source": "AQ 1008-2007 lineage: station-to-mine drive <=30 min [V2 xiaomilidoc.com]; 矿山救援规程 2024 "
                   "(MEM answer 2025-02-24) [V]"},
        {"id": "national-light-10h", "name": "National mine team on scene within 10 h with conventional kit",
         "capability": "mine_rescue", "max_min": 600, "site_kinds": ["coal_mine"], "tiers": ["national"],
         "min_share": 0.8, "rule": "",
         "source": "Xinhua 2011-03-29 (http://m.nakedoat.com/jrzg/2011-03/29/content_1834041.htm): national mine "
                   "teams arrive within 10 h with conventional equipment, >=80% coverage"},
        {"id": "national-heavy-18h", "name": "National mine team heavy kit (drainage pumps, drills) within 18 h",
         "capability": "drilling", "max_min": 1080, "site_kinds": ["coal_mine"], "tiers": ["national"],
         "min_share": 0.8, "rule": "",
         "source": "Xinhua 2011-03-29 (http://m.nakedoat.com/jrzg/2011-03/29/content_1834041.htm): within 18 h with "
                   "heavy equipment (drainage pumps, rescue drills), >=80% coverage; heavy kit modelled as drilling "
                   "teams"},
    ]
    counts["standards"] = write_csv(OUT / "standards.csv", "standards", [{**s, "illustrative": False}
                                                                         for s in standards])

    labour = 280.0  # yuan/person-day [U]: about 2x the daily average wage of Shanxi urban private-sector staff
    lines = ["labour", "equipment", "consumables", "transport", "subsistence"]
    rates = {"labour_per_person_day": labour, "transport_per_km": 8, "transport_per_trip": 300,
             "subsistence_per_person_day": 150,
             "equipment_per_day": {"drainage_pump": 1500, "rescue_drill_rig": 20000},
             "consumables": {"oxygen_cylinder": 80}}
    agreements = []
    for zh, (pid, _n, _ne) in PREFECTURES.items():
        agreements.append({"id": f"mem-order-{pid}", "lender": "cn", "borrower": pid, "borrower_province": "shanxi",
                           "capabilities": [], "fixed_cost": 10000, "cost_per_travel_min": 30, "rates": rates,
                           "retained": {}, "reimbursable": lines})
        agreements.append({"id": f"prov-{pid}", "lender": "shanxi", "borrower": pid, "lender_province": "shanxi",
                           "borrower_province": "shanxi", "capabilities": [], "fixed_cost": 3000,
                           "cost_per_travel_min": 15, "rates": rates, "retained": {"mine_rescue_squad": 3},
                           "reimbursable": lines})
    for a, b in NEIGHBOURS:
        for lender, borrower in ((a, b), (b, a)):
            agreements.append({"id": f"mutual-{lender}-{borrower}", "lender": lender, "borrower": borrower,
                               "lender_province": "shanxi", "borrower_province": "shanxi",
                               "capabilities": ["mine_rescue_squad", "gas_detection", "medical_squad"],
                               "fixed_cost": 2000, "cost_per_travel_min": 12, "rates": rates,
                               "retained": {"mine_rescue_squad": 3},
                               "reimbursable": ["labour", "equipment", "consumables", "transport"]})
    write_json(OUT / "agreements.json", agreements)
    counts["agreements"] = len(agreements)
    counts["waypoints"] = len(waypoints)
    write_scenario_yaml(waypoints)
    counts.update(make_resources.main("shanxi-coal"))
    return counts


def write_scenario_yaml(waypoints: list[dict]) -> None:
    lines = [f"  - {{name: \"{w['name']}\", lon: {w['lon']}, lat: {w['lat']}}}" for w in waypoints]
    text = (Path(__file__).resolve().parent / "shanxi-coal.yaml.in").read_text(encoding="utf-8").replace("@WAYPOINTS@", "\n".join(lines))
    (OUT / "scenario.yaml").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    print(build())
