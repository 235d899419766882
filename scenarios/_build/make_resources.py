"""Add illustrative people, duty rosters, equipment upkeep, reserve depots and stocks to a generated scenario.

    .venv/bin/python scenarios/_build/make_resources.py jinan
    .venv/bin/python scenarios/_build/make_resources.py shanxi-coal

Run after ``make_jinan.py`` / ``make_shanxi.py`` (they call it at their end). Everything written here is
invented (``illustrative: true``): generated names from common surnames and given names, phone numbers
in an unused range, certificates with some expiring and a few expired, a duty roster per team, the
upkeep state of every item of equipment (asset number, status, inspection interval and last inspection)
and a few reserve depots at existing bases with stocks (one lot of foam concentrate has expired).
Deterministic: a seeded generator per scenario. Rules the generated teams follow:

- every team gets exactly its ``members`` people, in its ``squads`` (小队) of a leader, a deputy, a driver
  and members, plus a commander for teams of 20 or more;
- mine rescue teams: every squad but one on duty at any moment (a squad is on for 24 x (squads - 1) h and
  off for 24 h, the one off rotating daily: a committed and a standby squad always there, R-TEAM-MINE);
  every member holds the mine-rescue certificate and medical fitness; at most one certificate per squad
  has expired;
- other teams: three shift groups, 24 h on / 48 h off (值班);
- each team has one person on leave and two in training at some dates.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import yaml  # noqa: E402
from common import SCENARIOS, write_csv  # noqa: E402

from planner.availability.rules import DEFAULT_RULES  # noqa: E402
from planner.scenario.files import read_csv_rows, read_scenario  # noqa: E402

ANCHOR = dt.date(2026, 12, 1)
"""The day the generated upkeep and certificates are set around (some due or expired before it)."""
ISSUED_BY = dt.date(2026, 1, 1)
"""Every certificate that has not expired by :data:`ANCHOR` was issued by this day, so it is valid all of 2026."""
ROSTER_START = "2026-01-01T08:00"
SURNAMES = [("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("刘", "Liu"), ("陈", "Chen"), ("杨", "Yang"), ("赵", "Zhao"),
            ("黄", "Huang"), ("周", "Zhou"), ("吴", "Wu"), ("徐", "Xu"), ("孙", "Sun"), ("胡", "Hu"), ("朱", "Zhu"),
            ("高", "Gao"), ("林", "Lin"), ("何", "He"), ("郭", "Guo"), ("马", "Ma"), ("罗", "Luo"), ("梁", "Liang"),
            ("宋", "Song"), ("郑", "Zheng"), ("谢", "Xie"), ("韩", "Han"), ("唐", "Tang"), ("冯", "Feng"), ("于", "Yu"),
            ("董", "Dong"), ("程", "Cheng"), ("曹", "Cao"), ("袁", "Yuan"), ("邓", "Deng"), ("彭", "Peng")]
GIVEN = [("伟", "Wei"), ("芳", "Fang"), ("敏", "Min"), ("静", "Jing"), ("强", "Qiang"), ("磊", "Lei"), ("军", "Jun"),
         ("洋", "Yang"), ("勇", "Yong"), ("杰", "Jie"), ("涛", "Tao"), ("明", "Ming"), ("超", "Chao"), ("平", "Ping"),
         ("刚", "Gang"), ("华", "Hua"), ("建", "Jian"), ("国", "Guo"), ("峰", "Feng"), ("斌", "Bin"), ("鹏", "Peng"),
         ("辉", "Hui"), ("浩", "Hao"), ("宇", "Yu"), ("晨", "Chen"), ("博", "Bo"), ("文", "Wen"), ("亮", "Liang"),
         ("海", "Hai"), ("东", "Dong"), ("志", "Zhi"), ("春", "Chun"), ("红", "Hong"), ("林", "Lin")]
INSPECTION_DAYS = {"oxygen_breathing_apparatus": 30, "breathing_apparatus": 30, "gas_detector": 180,
                   "drainage_pump": 90, "resuscitator": 90, "foam_tender": 180, "ambulance": 365}
"""Days between inspections by equipment kind [U] (breathing apparatus monthly); others 180."""

PROVINCE = {"jinan": ("山东", "SD"), "shanxi-coal": ("山西", "SX")}
DEPOTS = {
    "jinan": [
        ("jn-reserve-city", "Jinan city emergency supplies reserve (illustrative)", "济南市应急物资储备库(示意)",
         "Jinan Emergency Management Bureau (illustrative)", 30, "jn-fire-special-1"),
        ("sd-hazchem-reserve", "Shandong hazchem emergency supplies reserve (illustrative)",
         "山东省危化应急物资储备库(示意)", "Shandong Department of Emergency Management (illustrative)", 20,
         "sd-hazchem-base"),
        ("changqing-flood-reserve", "Changqing district flood-control supplies warehouse (illustrative)",
         "长清区防汛物资仓库(示意)", "Changqing district flood-control office (illustrative)", 40, "fs-changqing-pingan"),
    ],
    "shanxi-coal": [
        ("sx-reserve-taiyuan", "Shanxi mine emergency supplies reserve, Taiyuan (illustrative)",
         "山西省矿山应急物资储备库太原库(示意)", "Shanxi Department of Emergency Management (illustrative)", 30,
         "sx-taiyuan"),
        ("sx-reserve-changzhi", "Southeast Shanxi supplies reserve, Changzhi (illustrative)", "晋东南应急物资储备库(示意)",
         "Changzhi city (illustrative)", 30, "sx-changzhi"),
        ("sx-reserve-datong", "Northern Shanxi supplies reserve, Datong (illustrative)", "晋北应急物资储备库(示意)",
         "Datong city (illustrative)", 30, "sx-datong"),
    ],
}
STOCKS = {
    "jn-reserve-city": [("foam_concentrate", "AFFF foam concentrate 3% (水成膜泡沫液)", 1200, "L", 16.80, "2028-06-30"),
                        ("sandbags", "woven sandbags (编织袋)", 20000, "bag", 3.50, None),
                        ("drainage_pump", "mobile drainage pumps (移动排水泵)", 40, "set", 8600.00, None),
                        ("life_jacket", "life jackets (救生衣)", 800, "piece", 85.00, "2030-12-31"),
                        ("ppe_set", "rescue PPE sets (抢险救援防护服)", 500, "set", 420.00, "2029-12-31")],
    "sd-hazchem-reserve": [("foam_concentrate", "AR-AFFF foam concentrate (抗溶性水成膜泡沫液)", 1200, "L", 18.50,
                            "2029-03-31"),
                           ("foam_concentrate", "AFFF foam concentrate, old lot (泡沫液, 过期批次)", 800, "L", 15.00,
                            "2026-05-31"),
                           ("chemical_suit", "gas-tight chemical protective suits (重型防化服)", 60, "set", 3600.00,
                            "2031-06-30"),
                           ("absorbent_boom", "absorbent booms (吸附围栏)", 500, "m", 45.00, None),
                           ("ba_cylinder", "breathing-apparatus cylinders (空气呼吸器气瓶)", 120, "cylinder", 850.00,
                            "2033-01-31")],
    "changqing-flood-reserve": [("sandbags", "woven sandbags (编织袋)", 8000, "bag", 3.20, None),
                           ("drainage_pump", "mobile drainage pumps (移动排水泵)", 12, "set", 9200.00, None),
                           ("life_jacket", "life jackets (救生衣)", 300, "piece", 80.00, "2027-01-15")],
    "sx-reserve-taiyuan": [("self_rescuer", "compressed-oxygen self-rescuers (压缩氧自救器)", 2000, "piece", 480.00,
                            "2030-06-30"),
                           ("ba_cylinder", "oxygen cylinders for breathing apparatus (氧气呼吸器气瓶)", 400, "cylinder",
                            850.00, "2032-12-31"),
                           ("timber_prop", "timber props (坑木)", 1000, "piece", 65.00, None),
                           ("sandbags", "woven sandbags (编织袋)", 10000, "bag", 3.30, None)],
    "sx-reserve-changzhi": [("self_rescuer", "self-rescuers, old lot (自救器, 过期批次)", 800, "piece", 420.00,
                             "2026-08-31"),
                            ("self_rescuer", "compressed-oxygen self-rescuers (压缩氧自救器)", 600, "piece", 480.00,
                             "2031-03-31"),
                            ("sandbags", "woven sandbags (编织袋)", 6000, "bag", 3.30, None)],
    "sx-reserve-datong": [("ba_cylinder", "oxygen cylinders for breathing apparatus (氧气呼吸器气瓶)", 200, "cylinder",
                           850.00, "2031-12-31"),
                          ("self_rescuer", "compressed-oxygen self-rescuers (压缩氧自救器)", 600, "piece", 480.00,
                           "2030-09-30")],
}
"""Stock lots per depot: material, name, quantity, unit, unit price (yuan) and last day of use; all [U]."""


def certificate(rng: random.Random, kind: str, issuer: str, prefix: str, years: int, *, expired: bool = False,
                soon: bool = False) -> str:
    """One qualification cell entry ``kind|issuer|number|issued|expires`` (see scenarios/SCHEMA.md)."""
    if expired:
        expires = ANCHOR - dt.timedelta(days=rng.randint(5, 120))
    elif soon:
        expires = ANCHOR + dt.timedelta(days=rng.randint(5, 60))
    else:
        latest = (dt.date(ISSUED_BY.year + years, ISSUED_BY.month, ISSUED_BY.day) - ANCHOR).days
        expires = ANCHOR + dt.timedelta(days=rng.randint(min(120, latest), latest))
    issued = dt.date(expires.year - years, expires.month, min(expires.day, 28)) + dt.timedelta(days=1)
    return f"{kind}|{issuer}|{prefix}-{rng.randint(100000, 999999)}|{issued.isoformat()}|{expires.isoformat()}"


CERTIFICATES = {
    "mine_rescue_squad": ("mine_rescue", "国家矿山安全监察局{zh}局(示意)", "{code}-KJ", 3, 1.0),
    "hazchem_squad": ("hazchem", "{zh}省应急管理厅(示意)", "{code}-WH", 3, 0.75),
    "fire_squad": ("firefighting", "消防救援总队(示意)", "XF", 5, 1.0),
    "water_rescue_squad": ("water_rescue", "水域救援培训(示意)", "SY", 3, 0.8),
    "medical_squad": ("paramedic", "卫生健康委员会(示意)", "YS", 5, 0.7),
}
"""Certificate of each capability's members: kind, issuer, number prefix, years valid, share of members holding it."""


def people_of(team: Any, rng: random.Random, province: tuple[str, str]) -> list[dict[str, Any]]:
    """The team's people: squads of a leader, a deputy, a driver and members, a commander for 20 or more.

    Certificates follow the capabilities the team declares (a mine rescue squad member holds the mine
    rescue certificate, a hazchem squad three in four the hazchem one, ...); every third member of a
    water rescue team is a diver; at most one certificate per squad has expired.
    """
    zh, code = province
    squads = max(1, team.squads)
    staff = 1 if team.members >= 20 else 0
    sizes = [(team.members - staff) // squads + (1 if k < (team.members - staff) % squads else 0)
             for k in range(squads)]
    declared = [c for c in CERTIFICATES if c in team.capabilities]
    rows = []
    number = 0

    def add(role: str, squad: str, qualifications: list[str]) -> None:
        nonlocal number
        number += 1
        surname, given = rng.choice(SURNAMES), [rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))]
        rows.append({"id": f"{team.id}-p{number:02d}", "team": team.id,
                     "name": f"{surname[1]} {''.join(g[1] for g in given).capitalize()}",
                     "name_zh": surname[0] + "".join(g[0] for g in given), "role": role, "squad": squad,
                     "qualifications": ";".join(qualifications),
                     "phone": f"+86 170 0{rng.randint(100, 999)} {rng.randint(1000, 9999)}", "illustrative": True})

    if staff:
        add("commander", "", [certificate(rng, "first_aid", "红十字会(示意)", "FA", 3)])
    for k, size in enumerate(sizes, start=1):
        expired_left = 1 if rng.random() < 0.4 else 0
        for position in range(size):
            role = ("squad_leader", "deputy_leader", "driver")[position] if position < 3 else "member"
            if "medical_squad" in declared and role == "member":
                role = "medic"
            if "water_rescue_squad" in declared and role == "member" and position % 3 == 0:
                role = "diver"
            certificates = []
            for capability in declared:
                kind, issuer, prefix, years, share = CERTIFICATES[capability]
                if position < 2 or rng.random() < share:
                    expired = bool(expired_left) and position == size - 1
                    expired_left -= int(expired)
                    certificates.append(certificate(rng, kind, issuer.format(zh=zh), prefix.format(code=code), years,
                                                    expired=expired, soon=not expired and rng.random() < 0.06))
            if role == "diver":
                certificates.append(certificate(rng, "diving", "潜水员资格(示意)", "QS", 3))
            if "mine_rescue_squad" in declared:
                certificates.append(certificate(rng, "medical_fitness", "职业健康体检(示意)", "TJ", 2))
            if not declared and position % 2 == 0:
                certificates.append(certificate(rng, "first_aid", "红十字会(示意)", "FA", 3))
            if role == "driver":
                certificates.append(certificate(rng, rng.choice(("driving_a2", "driving_b2")), "公安交警(示意)",
                                                "JS", 6))
            add(role, str(k), certificates)
    return rows


def on_duty_needed(team: Any) -> int:
    """People the team needs on duty to staff all it declares under the default strength rules."""
    return max([team.capabilities.get(r["capability"], 0) * r.get("people", 0) for r in DEFAULT_RULES["strength"]],
               default=0)


def roster_of(team: Any, people: list[dict[str, Any]], rng: random.Random) -> list[dict[str, Any]]:
    """The team's duty lines (see the module) plus one leave and one training absence.

    A team that is not a mine rescue company gets as many 24-hour shift groups (3, else 2) as still leave
    enough people on duty for what it declares, with a margin for absences; else none (all on call).
    """
    lines = []
    start = dt.datetime.fromisoformat(ROSTER_START)
    if team.team_type.value == "mine_rescue" and team.squads >= 2:
        squads = team.squads
        for k in range(1, squads + 1):
            members = [p["id"] for p in people if p["squad"] == str(k)]
            lines.append({"id": f"{team.id}-duty-squad{k}", "team": team.id, "kind": "duty", "people": members,
                          "starts": (start + dt.timedelta(days=k - 1)).isoformat(timespec="minutes"),
                          "hours": 24 * (squads - 1), "every_h": 24 * squads,
                          "note": f"squad {k}: {squads - 1} days on, 1 off (值班/待机小队)"})
        staff = [p["id"] for p in people if not p["squad"]]
        if staff:
            lines.append({"id": f"{team.id}-duty-staff", "team": team.id, "kind": "duty", "people": staff,
                          "starts": ROSTER_START, "hours": 24, "every_h": 24, "note": "commanders on the base"})
    else:
        needed = on_duty_needed(team)
        count = next((g for g in (3, 2) if len(people) // g >= needed * 1.25), 1)
        if count > 1:
            shuffled = [p["id"] for p in people]
            rng.shuffle(shuffled)
            for k in range(count):
                lines.append({"id": f"{team.id}-duty-g{k + 1}", "team": team.id, "kind": "duty",
                              "people": sorted(shuffled[k::count]),
                              "starts": (start + dt.timedelta(days=k)).isoformat(timespec="minutes"), "hours": 24,
                              "every_h": 24 * count, "note": f"group {k + 1}: 24 h on / {24 * (count - 1)} h off"})
    away = rng.sample([p["id"] for p in people], k=min(3, len(people)))
    leave_day = ANCHOR + dt.timedelta(days=rng.randint(-20, 20))
    lines.append({"id": f"{team.id}-leave-1", "team": team.id, "kind": "leave", "people": away[:1],
                  "starts": f"{leave_day.isoformat()}T00:00", "hours": 24 * rng.randint(5, 12),
                  "note": "annual leave (illustrative)"})
    if len(away) > 1:
        course = ANCHOR + dt.timedelta(days=rng.randint(-10, 40))
        lines.append({"id": f"{team.id}-training-1", "team": team.id, "kind": "training", "people": away[1:],
                      "starts": f"{course.isoformat()}T08:00", "hours": 72, "note": "training course (illustrative)"})
    for line in lines:
        line["illustrative"] = True
    return lines


def upkeep(rows: list[dict[str, Any]], rng: random.Random, code: str) -> list[dict[str, Any]]:
    """Asset number, status, inspection interval and last inspection of every item (a few due, overdue, down)."""
    out = []
    for number, row in enumerate(rows, start=1):
        days = INSPECTION_DAYS.get(row["kind"], 180)
        row = {**row, "asset_number": f"{code}-EQ-{number:05d}", "inspection_days": days, "status": "in_service"}
        draw = rng.random()
        if draw < 0.04:
            row["status"] = "maintenance"
            fixed = ANCHOR - dt.timedelta(days=rng.randint(1, 20))
            row["maintenance_log"] = f"{fixed.isoformat()}|sent for repair after inspection (illustrative)"
        elif draw < 0.05:
            row["status"] = "out_of_service"
            row["maintenance_log"] = f"{(ANCHOR - dt.timedelta(days=60)).isoformat()}|written off, awaiting " \
                                     "replacement (illustrative)"
        row["last_inspected"] = (ANCHOR - dt.timedelta(days=rng.randint(0, int(days * 1.15)))).isoformat()
        out.append(row)
    return out


def main(name: str) -> dict[str, int]:
    """Write people, shifts, depots, stocks, availability rules and equipment upkeep for scenario ``name``."""
    folder = SCENARIOS / name
    for stale in ("people.csv", "shifts.csv", "depots.csv", "stocks.csv"):
        (folder / stale).unlink(missing_ok=True)
    scenario = read_scenario(folder)
    rng = random.Random(f"resources:{name}")
    province = PROVINCE[name]
    people: list[dict[str, Any]] = []
    shifts: list[dict[str, Any]] = []
    for team in scenario.teams:
        members = people_of(team, rng, province)
        people += members
        shifts += roster_of(team, members, rng)
    counts = {"people": write_csv(folder / "people.csv", "people", people),
              "shifts": write_csv(folder / "shifts.csv", "shifts", shifts)}
    equipment = [data for _, data in read_csv_rows(folder / "equipment.csv", "equipment")]
    for row in equipment:
        row.pop("maintenance_log", None)
    counts["equipment"] = write_csv(folder / "equipment.csv", "equipment", upkeep(equipment, rng, province[1]))
    bases = scenario.by_id("bases")
    depots, stocks = [], []
    for depot_id, title, zh, operator, turnout, at in DEPOTS[name]:
        base = bases[at]
        depots.append({"id": depot_id, "name": title, "name_zh": zh, "jurisdiction": base.jurisdiction,  # type: ignore[attr-defined]
                       "operator": operator, "turnout_min": turnout, "lon": base.lon, "lat": base.lat,  # type: ignore[attr-defined]
                       "illustrative": True})
        for k, (material, title_, quantity, unit, price, expires) in enumerate(STOCKS[depot_id], start=1):
            stocks.append({"id": f"{depot_id}-{k}", "depot": depot_id, "material": material, "name": title_,
                           "quantity": quantity, "unit": unit, "unit_price": f"{price:.2f}", "expires": expires,
                           "illustrative": True})
    counts["depots"] = write_csv(folder / "depots.csv", "depots", depots)
    counts["stocks"] = write_csv(folder / "stocks.csv", "stocks", stocks)
    header = "# Team strength rules and typing table (planner/availability/rules.py DEFAULT_RULES); [U] = planning value.\n"
    (folder / "availability_rules.yaml").write_text(
        header + yaml.safe_dump(DEFAULT_RULES, allow_unicode=True, sort_keys=False, width=200), encoding="utf-8")
    read_scenario(folder)  # everything written must load
    return counts


if __name__ == "__main__":
    for scenario_name in sys.argv[1:] or ("jinan", "shanxi-coal"):
        print(scenario_name, main(scenario_name))
