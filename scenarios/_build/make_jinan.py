"""Generate the ``jinan`` scenario folder (the default scenario) reproducibly.

Run from the repository root::

    .venv/bin/python scenarios/_build/make_jinan.py          # write scenarios/jinan/
    .venv/bin/python scenarios/_build/check.py jinan         # snap every point, print a coverage check

Real: the road network (OSM via MTrajRec, ODbL) and the approximate places of landmarks (stations,
refinery, steel works, the Yellow River tunnel). Invented (``illustrative: true``): every base, team,
item of equipment, hazard grade, agreement and the district polygons (Voronoi cells of hand-placed
anchor points). Coordinates are the author's approximations in WGS-84, chosen to lie on the network
extract, which covers central Jinan and a corridor to Jiyang only.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    SCENARIOS,
    bbox_polygon,
    geojson_geometry,
    voronoi_regions,
    write_csv,
    write_json,
    write_jurisdictions,
)
from shapely.ops import unary_union  # noqa: E402

import make_resources  # noqa: E402

OUT = SCENARIOS / "jinan"
BBOX = (116.748, 36.536, 117.510, 37.146)

# ----------------------------------------------------------------------------------------------------
# Jurisdictions. Anchor points: district seat first, then sub-district / town centres, placed by hand
# (approximate). Each district polygon is the union of its anchors' Voronoi cells inside the bbox.

DISTRICTS = {
    # id: (name, name_zh, parent, level, anchors)
    "lixia": ("Lixia District", "历下区", "jinan", "district",
              [(117.076, 36.666), (117.030, 36.665), (117.120, 36.655), (117.060, 36.636)]),
    "shizhong": ("Shizhong District", "市中区", "jinan", "district",
                 [(116.997, 36.651), (116.990, 36.620), (117.020, 36.598), (116.950, 36.590)]),
    "huaiyin": ("Huaiyin District", "槐荫区", "jinan", "district",
                [(116.901, 36.651), (116.870, 36.680), (116.930, 36.665), (116.840, 36.700)]),
    "tianqiao": ("Tianqiao District", "天桥区", "jinan", "district",
                 [(116.987, 36.694), (117.020, 36.702), (116.970, 36.760), (116.930, 36.745)]),
    "licheng": ("Licheng District", "历城区", "jinan", "district",
                [(117.065, 36.684), (117.140, 36.720), (117.200, 36.700), (117.170, 36.630), (117.160, 36.815), (117.230, 36.800),
                 (117.070, 36.560), (117.290, 36.650), (117.200, 36.545)]),
    "changqing": ("Changqing District", "长清区", "jinan", "district",
                  [(116.752, 36.553), (116.860, 36.585), (116.800, 36.600), (116.760, 36.640)]),
    "zhangqiu": ("Zhangqiu District", "章丘区", "jinan", "district",
                 [(117.526, 36.680), (117.400, 36.720), (117.460, 36.860), (117.460, 36.620), (117.360, 36.800)]),
    "jiyang": ("Jiyang District", "济阳区", "jinan", "district",
               [(117.205, 36.965), (117.110, 36.875), (117.330, 37.050), (117.080, 36.940), (117.250, 37.120)]),
    "qihe": ("Qihe County", "齐河县", "dezhou", "county",
             [(116.760, 36.790), (116.800, 36.900), (116.850, 36.765), (116.950, 36.980), (116.800, 37.080)]),
}

# ----------------------------------------------------------------------------------------------------
# Bases: id, name, name_zh, tier, operator, jurisdiction, lon, lat. All illustrative.

BASES = [
    # national (jurisdiction "cn": deployed by MEM order)
    ("nat-tunnel-crcc14", "National tunnel rescue team base (CRCC 14th Bureau)", "国家隧道应急救援中铁十四局队济南基地",
     "national", "China Railway 14th Bureau Group (中铁十四局集团) [U: national-team status from memory]", "cn",
     117.1700, 36.6330),
    ("nat-usar-jinan", "National land search and rescue base, Jinan (illustrative)", "国家陆地搜寻与救护济南基地(示意)",
     "national", "Ministry of Emergency Management (illustrative)", "cn", 116.8704, 36.6851),
    ("nat-drill-jinan", "National mine rescue drilling team, Jinan detachment (illustrative)",
     "国家矿山应急救援钻探队济南分队(示意)", "national",
     "coal-geology drilling bureau (modelled on 国家矿山应急救援大地特勘队 / 山东特勘队)", "cn", 117.1400, 36.7400),
    # regional (province)
    ("sd-fire-special", "Shandong Fire and Rescue special-service detachment", "山东省消防救援总队特勤支队",
     "regional", "Shandong Fire and Rescue Corps (山东省消防救援总队)", "shandong", 117.0900, 36.6900),
    ("sd-hazchem-base", "Shandong provincial hazchem rescue base, Jinan", "山东省危险化学品应急救援济南基地",
     "regional", "Shandong Department of Emergency Management with Sinopec Jinan (illustrative)", "shandong",
     117.1150, 36.7100),
    ("sd-mine-rescue", "Shandong regional mine rescue centre, Jinan station", "山东省区域矿山应急救援中心济南站",
     "regional", "Shandong Energy Group mine rescue brigade (illustrative)", "shandong", 117.2050, 36.7250),
    ("sd-medical", "Shandong emergency medical rescue team (provincial hospital)", "山东省紧急医学救援队(省立医院)",
     "regional", "Shandong Provincial Hospital (山东省立医院)", "shandong", 116.9830, 36.6620),
    ("sd-yellow-river", "Yellow River flood-fighting mobile rescue team, Luokou", "山东黄河防汛机动抢险队泺口",
     "regional", "Shandong Yellow River Bureau (山东黄河河务局)", "shandong", 117.0050, 36.7330),
    # city level (local tier)
    ("jn-fire-special-1", "Jinan fire special-service station 1", "济南市消防救援支队特勤一站",
     "local", "Jinan Fire and Rescue Detachment (济南市消防救援支队)", "jinan", 117.0450, 36.6660),
    ("jn-ems-centre", "Jinan 120 emergency medical centre", "济南市急救中心",
     "local", "Jinan Health Commission (济南市卫生健康委)", "jinan", 117.0000, 36.6550),
    ("jn-water-rescue", "Jinan fire water-rescue station, Daming Lake", "济南市消防救援支队水域救援站(大明湖)",
     "local", "Jinan Fire and Rescue Detachment", "jinan", 117.0200, 36.6750),
    # district fire stations (local)
    ("fs-lixia-yanshan", "Yanshan fire station", "燕山消防救援站", "local", "Jinan Fire and Rescue Detachment",
     "lixia", 117.0900, 36.6600),
    ("fs-lixia-qianfoshan", "Qianfoshan fire station", "千佛山消防救援站", "local", "Jinan Fire and Rescue Detachment",
     "lixia", 117.0400, 36.6500),
    ("fs-shizhong-yingxiongshan", "Yingxiongshan fire station", "英雄山消防救援站", "local",
     "Jinan Fire and Rescue Detachment", "shizhong", 116.9950, 36.6350),
    ("fs-shizhong-dangjia", "Dangjia fire station", "党家消防救援站", "local", "Jinan Fire and Rescue Detachment",
     "shizhong", 116.9480, 36.5950),
    ("fs-shizhong-qilishan", "Qilishan fire station", "七里山消防救援站", "local", "Jinan Fire and Rescue Detachment",
     "shizhong", 117.0150, 36.6300),
    ("fs-huaiyin-duandian", "Duandian fire station", "段店消防救援站", "local", "Jinan Fire and Rescue Detachment",
     "huaiyin", 116.9300, 36.6650),
    ("fs-huaiyin-xikezhan", "West Station fire station", "西客站消防救援站", "local", "Jinan Fire and Rescue Detachment",
     "huaiyin", 116.8850, 36.6750),
    ("fs-tianqiao-beiyuan", "Beiyuan fire station", "北园消防救援站", "local", "Jinan Fire and Rescue Detachment",
     "tianqiao", 117.0000, 36.6900),
    ("fs-tianqiao-sangzidian", "Sangzidian fire station", "桑梓店消防救援站", "local",
     "Jinan Fire and Rescue Detachment", "tianqiao", 116.9250, 36.7400),
    ("fs-licheng-wangsheren", "Wangsheren fire station", "王舍人消防救援站", "local",
     "Jinan Fire and Rescue Detachment", "licheng", 117.1300, 36.7250),
    ("fs-lixia-gaoxin", "High-tech zone fire station", "高新区消防救援站", "local",
     "Jinan Fire and Rescue Detachment", "lixia", 117.1300, 36.6700),
    ("fs-licheng-tangye", "Tangye fire station", "唐冶消防救援站", "local", "Jinan Fire and Rescue Detachment",
     "licheng", 117.2050, 36.7020),
    ("fs-licheng-gangou", "Gangou fire station", "港沟消防救援站", "local", "Jinan Fire and Rescue Detachment",
     "licheng", 117.1800, 36.6249),
    ("fs-licheng-south", "Southern mountains fire station", "南部山区消防救援站", "local",
     "Jinan Fire and Rescue Detachment", "licheng", 117.1820, 36.5480),
    ("fs-licheng-north", "Licheng north fire station", "历城北部消防救援站", "local", "Jinan Fire and Rescue Detachment",
     "licheng", 117.1284, 36.8279),
    ("fs-changqing-pingan", "Ping'an fire station", "平安消防救援站", "local", "Jinan Fire and Rescue Detachment",
     "changqing", 116.8680, 36.6020),
    ("fs-jiyang-jibei", "Jibei fire station", "济北消防救援站", "local", "Jinan Fire and Rescue Detachment",
     "jiyang", 117.2050, 36.9650),
    ("fs-jiyang-cuizhai", "Cuizhai fire station", "崔寨消防救援站", "local", "Jinan Fire and Rescue Detachment",
     "jiyang", 117.1330, 36.8580),
    # 120 stations (city-run)
    ("ems-lixia", "120 station Lixia", "120急救站(历下)", "local", "Jinan 120 emergency medical centre", "jinan",
     117.0800, 36.6750),
    ("ems-huaiyin", "120 station Huaiyin", "120急救站(槐荫)", "local", "Jinan 120 emergency medical centre", "jinan",
     116.9000, 36.6600),
    ("ems-tianqiao", "120 station Tianqiao", "120急救站(天桥)", "local", "Jinan 120 emergency medical centre", "jinan",
     116.9900, 36.7000),
    ("ems-licheng", "120 station Licheng", "120急救站(历城)", "local", "Jinan 120 emergency medical centre", "jinan",
     117.1700, 36.7000),
    ("ems-shizhong-south", "120 station Shizhong south", "120急救站(市中南)", "local",
     "Jinan 120 emergency medical centre", "jinan", 116.9900, 36.6000),
    ("ems-jiyang", "120 station Jiyang", "120急救站(济阳)", "local", "Jinan 120 emergency medical centre", "jinan",
     117.2000, 36.9600),
    ("ems-changqing", "120 station Changqing east", "120急救站(长清东)", "local", "Jinan 120 emergency medical centre",
     "jinan", 116.8700, 36.6030),
    # enterprise
    ("ent-refinery", "Sinopec Jinan refinery fire brigade", "中国石化济南炼化消防支队", "enterprise",
     "Sinopec Jinan Refining & Chemical Co. (中国石化济南炼化)", "licheng", 117.1030, 36.7050),
    ("ent-jigang", "Jigang steel works gas-protection and fire station", "济钢气防站/消防队", "enterprise",
     "Jinan Iron and Steel Group (济钢集团)", "licheng", 117.1650, 36.7200),
    ("ent-gas-utility", "City gas utility emergency repair centre", "城市燃气抢险抢修中心", "enterprise",
     "Jinan city gas utility (illustrative)", "tianqiao", 117.0300, 36.7000),
    ("ent-metro", "Jinan metro emergency response team depot", "济南轨道交通应急抢险队", "enterprise",
     "Jinan Rail Transit Group (济南轨道交通集团)", "huaiyin", 116.9000, 36.6400),
    ("ent-railway", "Railway rescue train, Jinan", "济南铁路救援列车", "enterprise",
     "China Railway Jinan Group (中国铁路济南局集团)", "tianqiao", 116.9700, 36.6750),
    ("ent-quarry", "Southern quarry company part-time rescue team", "南部山区矿山企业兼职救护队", "enterprise",
     "quarry operator (illustrative)", "licheng", 117.1830, 36.5520),
    ("ent-fuel-depot", "Fuel depot fire team, Guodian", "郭店油库专职消防队", "enterprise",
     "Sinopec Shandong marketing (illustrative)", "licheng", 117.2100, 36.7310),
    # volunteer
    ("vol-bluesky", "Jinan Blue Sky Rescue Team", "济南蓝天救援队", "volunteer", "Blue Sky Rescue (蓝天救援队), Jinan",
     "licheng", 117.0600, 36.6800),
    ("vol-jiyang", "Jiyang volunteer rescue team", "济阳志愿救援队", "volunteer", "volunteer association (illustrative)",
     "jiyang", 117.2000, 36.9580),
    ("vol-redcross-water", "Red Cross water rescue team, Yellow River", "红十字水上救援队(黄河)", "volunteer",
     "Jinan Red Cross (济南市红十字会) (illustrative)", "tianqiao", 116.9900, 36.7400),
    ("vol-quancheng", "Quancheng volunteer rescue team", "泉城志愿救援队", "volunteer",
     "volunteer association (illustrative)", "huaiyin", 116.9500, 36.6500),
]

# ----------------------------------------------------------------------------------------------------
# Teams: (base, suffix, name, name_zh, type, members, squads, turnout_min, capabilities, readiness, availability)

RESOURCE_TYPES = {"sd-hazchem-base-a": 1, "sd-hazchem-base-b": 1, "sd-fire-special-heavy": 1, "sd-mine-rescue-zd1": 1}
"""Declared types (R-TYPING) of a few teams, checked against the typing table on duty; illustrative."""

N, R, F = "normal", "raised", "full"
AV, COM, DRL, OFF = "available", "committed", "drilling", "off_duty"

TEAMS = [
    ("nat-tunnel-crcc14", "tunnel", "National tunnel rescue team (CRCC 14)", "国家隧道应急救援中铁十四局队",
     "tunnel", 96, 4, 20, {"tunnel_squad": 4, "heavy_lifting": 2, "drilling_rig": 1}, N, AV),
    ("nat-tunnel-crcc14", "support", "Tunnel team engineering support unit", "隧道队工程保障分队",
     "general", 40, 2, 30, {"general_squad": 2, "drainage": 2}, N, AV),
    ("nat-usar-jinan", "usar", "National USAR team, Jinan", "国家陆地搜寻与救护队(济南)", "general", 120, 6, 20,
     {"general_squad": 6, "collapse_search": 4, "canine": 2}, R, AV),
    ("nat-usar-jinan", "medical", "National USAR medical unit", "国家陆地搜寻与救护医疗分队", "medical", 24, 3, 20,
     {"medical_squad": 3}, N, AV),
    ("nat-drill-jinan", "drill", "National drilling rescue team, Jinan detachment", "国家钻探救援队济南分队",
     "drilling", 48, 2, 30, {"drilling_squad": 2, "large_diameter_drill": 1, "drainage": 2}, N, AV),
    ("sd-fire-special", "heavy", "Special-service heavy fire unit", "特勤支队重型灭火编队", "fire", 60, 4, 2,
     {"fire_squad": 4, "aerial_ladder": 2, "foam": 2}, R, AV),
    ("sd-fire-special", "hazchem", "Special-service hazchem unit", "特勤支队危化处置编队", "hazchem", 36, 3, 2,
     {"hazchem_squad": 3, "gas_detection": 2, "decontamination": 1}, R, AV),
    ("sd-fire-special", "collapse", "Special-service collapse rescue unit", "特勤支队坍塌搜救编队", "general", 30, 3, 3,
     {"general_squad": 3, "collapse_search": 2}, N, AV),
    ("sd-fire-special", "water", "Special-service water rescue unit", "特勤支队水域救援编队", "water_rescue", 18, 2, 3,
     {"water_rescue_squad": 2}, N, DRL),
    ("sd-hazchem-base", "a", "Provincial hazchem rescue team A", "省危化救援队一队", "hazchem", 45, 3, 3,
     {"hazchem_squad": 3, "gas_detection": 2, "foam": 1, "leak_sealing": 2}, F, AV),
    ("sd-hazchem-base", "b", "Provincial hazchem rescue team B", "省危化救援队二队", "hazchem", 40, 3, 5,
     {"hazchem_squad": 3, "gas_detection": 2, "decontamination": 1}, N, AV),
    ("sd-mine-rescue", "zd1", "Mine rescue company 1 (中队)", "矿山救护一中队", "mine_rescue", 33, 3, 1,
     {"mine_rescue_squad": 3, "gas_detection": 3}, F, AV),
    ("sd-mine-rescue", "zd2", "Mine rescue company 2 (中队)", "矿山救护二中队", "mine_rescue", 31, 3, 2,
     {"mine_rescue_squad": 3, "gas_detection": 3}, N, DRL),
    ("sd-mine-rescue", "drain", "Mine rescue drainage and heavy-kit unit", "矿山救护排水及重型装备分队", "drilling", 20,
     2, 15, {"drilling_squad": 1, "drainage": 3}, N, AV),
    ("sd-medical", "a", "Provincial emergency medical team", "省紧急医学救援队", "medical", 40, 5, 15,
     {"medical_squad": 5, "field_hospital": 1}, N, AV),
    ("sd-medical", "burns", "Provincial burns and poisoning team", "省烧伤中毒救治分队", "medical", 16, 2, 20,
     {"medical_squad": 2, "burns": 1, "toxicology": 1}, N, AV),
    ("sd-yellow-river", "flood", "Yellow River mobile flood-rescue team", "黄河机动抢险队", "water_rescue", 60, 4, 15,
     {"water_rescue_squad": 4, "levee_repair": 2}, N, AV),
    ("jn-fire-special-1", "fire", "City special-service fire unit", "特勤一站灭火编队", "fire", 45, 3, 1,
     {"fire_squad": 3, "aerial_ladder": 1}, R, AV),
    ("jn-fire-special-1", "hazchem", "City special-service hazchem unit", "特勤一站危化编队", "hazchem", 24, 2, 1,
     {"hazchem_squad": 2, "gas_detection": 1}, N, AV),
    ("jn-ems-centre", "a", "120 centre duty crews", "急救中心值班车组", "medical", 36, 6, 3, {"medical_squad": 6},
     N, AV),
    ("jn-ems-centre", "mci", "120 centre mass-casualty unit", "急救中心批量伤员救治分队", "medical", 20, 2, 10,
     {"medical_squad": 2, "mass_casualty": 1}, N, AV),
    ("jn-water-rescue", "water", "City water rescue team", "市水域救援队", "water_rescue", 24, 3, 2,
     {"water_rescue_squad": 3, "diving": 1}, N, AV),
]

FIRE_STATIONS = [b[0] for b in BASES if b[0].startswith("fs-")]
for i, base in enumerate(FIRE_STATIONS):
    members = 30 + (i * 7) % 16
    squads = 2 + (i % 2)
    caps = {"fire_squad": squads}
    if i % 4 == 0:
        caps["aerial_ladder"] = 1
    if i % 5 == 1:
        caps["foam"] = 1
    availability = COM if base == "fs-huaiyin-duandian" else AV
    TEAMS.append((base, "fire", f"{dict((b[0], b[1]) for b in BASES)[base]} crew",
                  f"{dict((b[0], b[2]) for b in BASES)[base]}执勤队", "fire", members, squads, 1, caps, N,
                  availability))
# second teams at some district stations
TEAMS += [
    ("fs-tianqiao-sangzidian", "water", "Sangzidian water rescue squad", "桑梓店水域救援班", "water_rescue", 10, 1, 2,
     {"water_rescue_squad": 1}, N, AV),
    ("fs-licheng-wangsheren", "hazchem", "Wangsheren hazchem squad", "王舍人危化处置班", "hazchem", 12, 1, 2,
     {"hazchem_squad": 1, "gas_detection": 1}, N, AV),
    ("fs-jiyang-jibei", "water", "Jibei water rescue squad", "济北水域救援班", "water_rescue", 10, 1, 2,
     {"water_rescue_squad": 1}, N, AV),
    ("fs-huaiyin-xikezhan", "tunnel", "West Station rail and tunnel rescue squad", "西客站轨道隧道救援班", "tunnel", 12,
     1, 2, {"tunnel_squad": 1}, N, AV),
]
for base in [b[0] for b in BASES if b[0].startswith("ems-")]:
    crews = 3 if base in ("ems-lixia", "ems-huaiyin", "ems-licheng") else 2
    TEAMS.append((base, "crew", f"{dict((b[0], b[1]) for b in BASES)[base]} crews",
                  f"{dict((b[0], b[2]) for b in BASES)[base]}车组", "medical", crews * 4, crews, 3,
                  {"medical_squad": crews}, N, AV))
TEAMS += [
    ("ent-refinery", "fire", "Refinery fire brigade", "炼化消防支队", "fire", 80, 4, 2,
     {"fire_squad": 4, "foam": 3, "aerial_ladder": 1}, R, AV),
    ("ent-refinery", "gas", "Refinery gas-protection (气防) team", "炼化气防站", "hazchem", 20, 2, 2,
     {"hazchem_squad": 2, "gas_detection": 2, "leak_sealing": 1}, R, AV),
    ("ent-jigang", "fire", "Jigang fire team", "济钢专职消防队", "fire", 30, 2, 3, {"fire_squad": 2}, N, AV),
    ("ent-jigang", "gas", "Jigang gas-protection team", "济钢气防站", "hazchem", 18, 2, 3,
     {"hazchem_squad": 2, "gas_detection": 2}, N, AV),
    ("ent-gas-utility", "repair", "Gas utility emergency repair team", "燃气抢险队", "oil_gas", 30, 3, 5,
     {"oil_gas_squad": 3, "leak_sealing": 2, "gas_detection": 2}, N, AV),
    ("ent-metro", "tunnel", "Metro emergency response team", "轨道交通应急抢险队", "tunnel", 36, 3, 5,
     {"tunnel_squad": 3}, N, AV),
    ("ent-railway", "train", "Railway rescue train crew", "铁路救援列车队", "general", 40, 2, 15,
     {"general_squad": 2, "heavy_lifting": 1}, N, AV),
    ("ent-quarry", "parttime", "Quarry part-time mine rescue squad", "矿山兼职救护小队", "mine_rescue", 10, 1, 5,
     {"mine_rescue_squad": 1}, N, AV),
    ("ent-fuel-depot", "fire", "Fuel depot fire team", "油库专职消防队", "fire", 24, 2, 2, {"fire_squad": 2, "foam": 2},
     N, AV),
    ("vol-bluesky", "sar", "Blue Sky search and rescue team", "蓝天救援队搜救分队", "general", 60, 4, 30,
     {"general_squad": 4, "collapse_search": 1}, N, AV),
    ("vol-bluesky", "water", "Blue Sky water rescue team", "蓝天救援队水域分队", "water_rescue", 30, 2, 30,
     {"water_rescue_squad": 2}, N, AV),
    ("vol-jiyang", "sar", "Jiyang volunteer rescue team", "济阳志愿救援队", "general", 25, 2, 40,
     {"general_squad": 2}, N, OFF),
    ("vol-redcross-water", "water", "Red Cross water rescue team", "红十字水上救援队", "water_rescue", 20, 2, 25,
     {"water_rescue_squad": 2}, N, AV),
    ("vol-quancheng", "sar", "Quancheng volunteer rescue team", "泉城志愿救援队", "general", 30, 2, 45,
     {"general_squad": 2, "medical_squad": 1}, N, AV),
]

# ----------------------------------------------------------------------------------------------------
# Equipment per team type: (kind, name, quantity, tags). Quantities scale with squads where marked "*".

EQUIPMENT_BY_TYPE = {
    "fire": [("water_tender", "water tender (水罐消防车)", "*", ["fire", "light"]),
             ("foam_tender", "foam tender (泡沫消防车)", 1, ["fire", "foam"]),
             ("breathing_apparatus", "positive-pressure air breathing apparatus (正压式空气呼吸器)", "*6",
              ["breathing_apparatus"])],
    "hazchem": [("chemical_protection_suit", "Level A chemical protection suits (重型防化服)", "*4",
                 ["chemical_protection"]),
                ("gas_detector", "portable multi-gas detectors (多种气体检测仪)", "*3", ["gas_detection"]),
                ("decontamination_vehicle", "decontamination vehicle (洗消车)", 1, ["decontamination", "heavy"])],
    "mine_rescue": [("oxygen_breathing_apparatus", "4-hour closed-circuit oxygen breathing apparatus (4h正压氧气呼吸器)",
                     "*10", ["breathing_apparatus", "light"]),
                    ("gas_detector", "multi-gas detectors (多参数气体检测仪)", "*2", ["gas_detection"]),
                    ("resuscitator", "automatic resuscitators (自动苏生器)", "*1", ["medical"]),
                    ("disaster_phone", "disaster-area telephones (灾区电话)", "*1", ["communications"])],
    "medical": [("ambulance", "ambulances (救护车)", "*", ["medical", "light"]),
                ("aed", "defibrillators (AED)", "*", ["medical"])],
    "drilling": [("rescue_drill_rig", "large-diameter rescue drill rig (大口径救援钻机)", 1, ["drilling", "heavy"]),
                 ("drainage_pump", "high-lift drainage pumps (大流量排水泵)", 3, ["drainage", "heavy"])],
    "tunnel": [("hydraulic_rescue_tools", "hydraulic rescue tool sets (液压破拆工具组)", "*2", ["tunnel", "light"]),
               ("shoring_kit", "tunnel shoring kits (隧道支护器材)", "*1", ["tunnel", "heavy"]),
               ("ventilation_fan", "portable ventilation fans (移动排烟/通风机)", 2, ["ventilation"])],
    "water_rescue": [("rescue_boat", "inflatable rescue boats (冲锋舟)", "*", ["water_rescue", "light"]),
                     ("dry_suit", "dry suits (干式救援服)", "*6", ["water_rescue"])],
    "general": [("life_detector", "radar/acoustic life detectors (生命探测仪)", "*1", ["collapse_search", "light"]),
                ("lighting_tower", "mobile lighting tower (移动照明灯塔)", 1, ["lighting"]),
                ("drone", "reconnaissance drones (侦察无人机)", 2, ["reconnaissance"])],
    "oil_gas": [("leak_sealing_kit", "pipeline leak-sealing kits (管道堵漏工具)", "*2", ["leak_sealing"]),
                ("gas_detector", "combustible-gas detectors (可燃气体检测仪)", "*3", ["gas_detection"])],
}
BASE_EQUIPMENT = {
    "sd-fire-special": [("aerial_ladder", "101 m aerial ladder truck (101米登高平台消防车)", 1, ["fire", "aerial", "heavy"]),
                        ("command_vehicle", "command and communications vehicle (指挥通信车)", 1, ["command"])],
    "sd-hazchem-base": [("foam_tender", "large foam tenders (大型泡沫消防车)", 3, ["fire", "foam", "heavy"]),
                        ("hazmat_lab", "hazmat detection vehicle (侦检车)", 1, ["gas_detection", "heavy"])],
    "sd-mine-rescue": [("drainage_pump", "submersible drainage pumps 500 m3/h (潜水排水泵)", 4, ["drainage", "heavy"]),
                       ("nitrogen_unit", "nitrogen inerting unit (制氮注氮装置)", 1, ["fire", "heavy"]),
                       ("rescue_capsule_winch", "rescue capsule and winch (救生舱及绞车)", 1, ["drilling", "heavy"])],
    "nat-drill-jinan": [("rescue_drill_rig", "truck-mounted rescue drill rig (车载救援钻机)", 2, ["drilling", "light"])],
    "jn-ems-centre": [("mci_vehicle", "mass-casualty support vehicle (批量伤员转运车)", 1, ["medical", "heavy"])],
    "sd-yellow-river": [("sandbag_filler", "sandbag filling machines (装袋机)", 4, ["levee_repair"]),
                        ("rescue_boat", "flood rescue boats (抢险舟)", 8, ["water_rescue", "heavy"])],
    "ent-refinery": [("foam_tender", "high-flow foam tenders (大流量泡沫车)", 2, ["fire", "foam", "heavy"]),
                     ("foam_concentrate", "foam concentrate, tonnes (泡沫液 吨)", 60, ["foam", "consumable"])],
    "nat-usar-jinan": [("heavy_lifting", "crane and excavator set (吊车挖掘机组)", 2, ["heavy_lifting", "heavy"]),
                       ("field_camp", "field camp modules (野外营地)", 4, ["logistics"])],
    "jn-water-rescue": [("diving_set", "diving sets (潜水装具)", 8, ["diving"])],
    "ent-railway": [("rail_crane", "160 t railway crane (160吨铁路救援起重机)", 1, ["heavy_lifting", "heavy"])],
    "ent-gas-utility": [("emergency_generator", "emergency generator trailer (应急发电车)", 1, ["power"])],
}


def equipment_rows(teams: list[dict]) -> list[dict]:
    rows = []
    for team in teams:
        for kind, name, qty, tags in EQUIPMENT_BY_TYPE[team["team_type"]]:
            if isinstance(qty, str):
                factor = int(qty[1:] or 1)
                qty = max(1, team["squads"]) * factor
            rows.append({"id": f"eq-{team['id']}-{kind}", "kind": kind, "name": name, "quantity": qty,
                         "capabilities": tags, "team": team["id"], "illustrative": True})
    for base, items in BASE_EQUIPMENT.items():
        for kind, name, qty, tags in items:
            rows.append({"id": f"eq-{base}-{kind}", "kind": kind, "name": name, "quantity": qty,
                         "capabilities": tags, "base": base, "illustrative": True})
    return rows


# ----------------------------------------------------------------------------------------------------
# Hazard sites: id, name, name_zh, kind, risk_grade, hazard_level, jurisdiction, lon, lat, note

SITE_NOTE = "illustrative: real-ish location by the author, grade and level invented"
SITES = [
    ("site-refinery", "Sinopec Jinan refinery", "中国石化济南炼化", "chemical_plant", "red", 1, "licheng",
     117.1080, 36.7020, "location of the real refinery (approximate); " + SITE_NOTE),
    ("site-refinery-tank-farm", "Refinery crude tank farm", "炼化原油罐区", "fuel_depot", "red", 1, "licheng",
     117.1180, 36.7060, SITE_NOTE),
    ("site-industrial-gas", "Industrial gases plant, Wangsheren", "王舍人工业气体厂", "chemical_plant", "orange", 3,
     "licheng", 117.1450, 36.7300, SITE_NOTE),
    ("site-chlorine-waterworks", "Waterworks chlorine store, Queshan", "鹊山水厂液氯库", "chemical_plant", "yellow", 4,
     "tianqiao", 117.0200, 36.7300, SITE_NOTE),
    ("site-fine-chem-jiyang", "Fine-chemicals plant, Jiyang development zone", "济阳开发区精细化工厂",
     "chemical_plant", "orange", 3, "jiyang", 117.2177, 36.9761, SITE_NOTE),
    ("site-pharma-chem-jiyang", "Pharmaceutical intermediates plant, Jiyang", "济阳医药中间体厂", "chemical_plant",
     "yellow", 4, "jiyang", 117.2306, 37.0199, SITE_NOTE),
    ("site-chem-park-north", "North Jinan chemical cluster (illustrative park)", "济北化工集中区(示意)",
     "chemical_park", "red", None, "jiyang", 117.2652, 37.0654, SITE_NOTE),
    ("site-chem-park-east", "Eastern industrial park chemical zone (illustrative)", "东部工业园化工区(示意)",
     "chemical_park", "orange", None, "licheng", 117.1900, 36.7400, SITE_NOTE),
    ("site-depot-guodian", "Guodian oil depot", "郭店油库", "fuel_depot", "red", 2, "licheng", 117.2111, 36.7320,
     SITE_NOTE),
    ("site-depot-west", "Western oil depot, Huaiyin", "槐荫西部油库", "fuel_depot", "orange", 3, "huaiyin", 116.8633, 36.7096, SITE_NOTE),
    ("site-depot-north", "Northern fuel depot, Tianqiao", "天桥北部油库", "fuel_depot", "orange", 3, "tianqiao",
     116.9654, 36.7472, SITE_NOTE),
    ("site-lpg-shizhong", "LPG filling station, Shizhong south", "市中南液化气充装站", "oil_gas", "orange", 4, "shizhong",
     116.9700, 36.6150, SITE_NOTE),
    ("site-lpg-tianqiao", "LPG filling station, Tianqiao", "天桥液化气充装站", "oil_gas", "yellow", 4, "tianqiao",
     116.9900, 36.7150, SITE_NOTE),
    ("site-lpg-licheng", "LPG storage station, Licheng east", "历城东液化气储配站", "oil_gas", "orange", 3, "licheng",
     117.1960, 36.6858, SITE_NOTE),
    ("site-lpg-changqing", "LPG filling station, Ping'an", "平安液化气充装站", "oil_gas", "yellow", 4, "changqing",
     116.8699, 36.6031, SITE_NOTE),
    ("site-lpg-jiyang", "LPG filling station, Jiyang", "济阳液化气充装站", "oil_gas", "yellow", 4, "jiyang", 117.1900,
     36.9450, SITE_NOTE),
    ("site-jigang", "Jigang steel works (gas holders, remaining plant)", "济钢(煤气柜及保留设施)", "steel_works",
     "orange", 2, "licheng", 117.1613, 36.7191, "location of the real works (approximate); " + SITE_NOTE),
    ("site-foundry-east", "Casting and forging works, east", "东部铸锻厂", "steel_works", "yellow", None, "licheng",
     117.2116, 36.7303, SITE_NOTE),
    ("site-gate-west", "Natural-gas gate station, west", "西部天然气门站", "gas_pipeline", "orange", None, "huaiyin",
     116.8683, 36.6623, SITE_NOTE),
    ("site-gate-east", "Natural-gas gate station, east", "东部天然气门站", "gas_pipeline", "orange", None, "licheng",
     117.2100, 36.6550, SITE_NOTE),
    ("site-gate-north", "Natural-gas offtake station, Jiyang", "济阳天然气分输站", "gas_pipeline", "yellow", None,
     "jiyang", 117.1668, 36.8958, SITE_NOTE),
    ("site-gas-regulator-centre", "Gas pressure-regulating station, city centre", "市中心燃气调压站", "gas_pipeline",
     "yellow", None, "lixia", 117.0550, 36.6600, SITE_NOTE),
    ("site-tunnel-yellow-river", "Jiluo Road Yellow River tunnel", "济泺路穿黄隧道", "tunnel", "red", None, "tianqiao",
     117.0020, 36.7450, "the real cross-river tunnel (approximate mid-point); " + SITE_NOTE),
    ("site-tunnel-yingxiongshan", "Yingxiongshan road tunnel (illustrative)", "英雄山道路隧道(示意)", "tunnel",
     "orange", None, "shizhong", 116.9950, 36.6230, SITE_NOTE),
    ("site-tunnel-lvyou", "Tourism Road mountain tunnel (illustrative)", "旅游路山体隧道(示意)", "tunnel", "yellow",
     None, "licheng", 117.1400, 36.6300, SITE_NOTE),
    ("site-tunnel-metro-2", "Metro Line 2 underground section, Beiyuan", "地铁2号线北园段地下区间", "tunnel", "orange",
     None, "tianqiao", 117.0300, 36.6880, SITE_NOTE),
    ("site-tunnel-metro-3", "Metro Line 3 underground section, Longdong", "地铁3号线龙洞段地下区间", "tunnel", "yellow",
     None, "lixia", 117.0900, 36.6400, SITE_NOTE),
    ("site-tunnel-south-mountain", "Southern mountains road tunnel (illustrative)", "南部山区公路隧道(示意)", "tunnel",
     "yellow", None, "licheng", 117.1850, 36.5650, SITE_NOTE),
    ("site-hr-hanyu", "Hanyu Jingu high-rise cluster", "汉峪金谷高层建筑群", "high_rise", "red", None, "licheng",
     117.1900, 36.6700, SITE_NOTE),
    ("site-hr-cbd", "Jinan CBD high-rise cluster", "济南中央商务区高层建筑群", "high_rise", "red", None, "lixia",
     117.0950, 36.6600, SITE_NOTE),
    ("site-hr-quancheng", "Quancheng Square towers", "泉城广场周边高层", "high_rise", "orange", None, "lixia", 117.0200,
     36.6640, SITE_NOTE),
    ("site-hr-weijiazhuang", "Weijiazhuang commercial towers", "魏家庄商业高层", "high_rise", "orange", None, "shizhong",
     116.9900, 36.6580, SITE_NOTE),
    ("site-hr-west-new-town", "West new town residential towers", "西部新城高层住宅群", "high_rise", "yellow", None,
     "huaiyin", 116.8705, 36.6615, SITE_NOTE),
    ("site-hr-olympic", "Olympic Sports Centre area towers", "奥体中心片区高层", "high_rise", "yellow", None, "lixia",
     117.1300, 36.6550, SITE_NOTE),
    ("site-rail-jinan", "Jinan Railway Station", "济南站", "rail_hub", "red", None, "tianqiao", 116.9850, 36.6710,
     "the real station (approximate); grade invented"),
    ("site-rail-jinan-west", "Jinan West Railway Station", "济南西站", "rail_hub", "red", None, "huaiyin", 116.8920,
     36.6710, "the real station (approximate); grade invented"),
    ("site-rail-jinan-east", "Jinan East Railway Station", "济南东站", "rail_hub", "orange", None, "licheng", 117.2100,
     36.7450, "the real station (approximate); grade invented"),
    ("site-rail-jinan-yard", "Jinan freight marshalling yard (illustrative)", "济南货运编组站(示意)", "rail_hub",
     "yellow", None, "huaiyin", 116.8700, 36.7100, SITE_NOTE),
    ("site-uc-huangtai-power", "Huangtai power plant", "黄台电厂", "urban_critical", "orange", None, "licheng", 117.0650,
     36.7000, SITE_NOTE),
    ("site-uc-olympic-stadium", "Jinan Olympic Sports Centre (crowded venue)", "济南奥体中心(人员密集场所)",
     "urban_critical", "orange", None, "lixia", 117.1200, 36.6600, SITE_NOTE),
    ("site-uc-daming-lake", "Daming Lake and Baotu Spring scenic area (crowded venue)", "大明湖趵突泉景区",
     "urban_critical", "yellow", None, "lixia", 117.0150, 36.6720, SITE_NOTE),
    ("site-uc-luokou-levee", "Luokou Yellow River levee", "泺口黄河大堤", "urban_critical", "orange", None, "tianqiao",
     116.9950, 36.7380, SITE_NOTE),
    ("site-uc-bus-terminal", "Long-distance bus terminal", "长途汽车总站", "urban_critical", "yellow", None, "tianqiao",
     116.9950, 36.6900, SITE_NOTE),
    ("site-uc-hospital-district", "Hospital district, Jingshi Road (critical care cluster)", "经十路医院集中区",
     "urban_critical", "blue", None, "lixia", 117.0700, 36.6520, SITE_NOTE),
    ("site-uc-datacentre", "City data and dispatch centre (illustrative)", "城市数据与调度中心(示意)", "urban_critical",
     "blue", None, "lixia", 117.1300, 36.6850, SITE_NOTE),
    ("site-mine-quarry-south", "Southern mountains limestone quarry", "南部山区石灰石矿", "metal_mine", "yellow", None,
     "licheng", 117.1800, 36.5450, "non-metal mine (金属非金属矿山 category); " + SITE_NOTE),
    ("site-mine-iron-zhangmatun", "Zhangmatun iron mine (closed; drainage works)", "张马屯铁矿(闭坑,疏干排水)",
     "metal_mine", "orange", None, "licheng", 117.1250, 36.7150,
     "a real iron mine near Jigang, closed (author's knowledge [U]); " + SITE_NOTE),
    ("site-tailings-zhangmatun", "Zhangmatun tailings pond (illustrative)", "张马屯尾矿库(示意)", "tailings_dam",
     "orange", None, "licheng", 117.1350, 36.7050, SITE_NOTE),
    ("site-mine-quarry-dangjia", "Dangjia quarry", "党家采石场", "metal_mine", "blue", None, "shizhong", 116.9448, 36.5924, "non-metal mine; " + SITE_NOTE),
    ("site-tailings-south", "Southern mountains tailings dam (illustrative)", "南部山区尾矿库(示意)", "tailings_dam",
     "yellow", None, "licheng", 117.1819, 36.5609, SITE_NOTE),
]

# ----------------------------------------------------------------------------------------------------
# Standards

STANDARDS = [
    {"id": "mine-30", "name": "Mine rescue within 30 min drive (R-COVER-MINE)", "capability": "mine_rescue",
     "max_min": 30, "site_kinds": ["coal_mine", "metal_mine", "tailings_dam"], "min_share": 1, "rule": "R-COVER-MINE",
     "source": "AQ 1008-2007 lineage: station-to-mine drive <=30 min, agreement radius <=100 km [V2 xiaomilidoc.com]; "
               "矿山救援规程 2024 (MEM answer 2025-02-24) [V]"},
    {"id": "fire-5", "name": "Urban fire station 5 min from dispatch order (R-COVER-FIRE)", "capability": "fire",
     "max_min": 5, "site_kinds": ["high_rise", "rail_hub", "urban_critical", "tunnel", "oil_gas", "gas_pipeline"],
     "min_share": 1, "rule": "R-COVER-FIRE",
     "source": "建标152-2017 / GB 51080 §4.1.3: 5 min from dispatch order to the edge of the district [V]"},
    {"id": "fire-park-5", "name": "Fire at hazchem sites 5 min for 90% of key targets [U]", "capability": "fire",
     "max_min": 5, "site_kinds": ["chemical_park", "chemical_plant", "fuel_depot", "steel_works"], "min_share": 0.9,
     "rule": "R-COVER-FIRE",
     "source": "[U] chemical-park fire station '5 min to >=90% of key targets' (third-party guide, book118)"},
    {"id": "hazchem-30", "name": "Hazchem team within 30 min [U]", "capability": "hazchem", "max_min": 30,
     "site_kinds": ["chemical_park", "chemical_plant", "fuel_depot", "oil_gas", "gas_pipeline", "steel_works"],
     "min_share": 1, "rule": "",
     "source": "[U] illustrative planning limit; no national travel-time standard for hazchem teams was found"},
    {"id": "ems-15", "name": "EMS (120) within 15 min [U]", "capability": "medical", "max_min": 15,
     "site_kinds": ["high_rise", "rail_hub", "urban_critical", "tunnel", "chemical_park", "chemical_plant"],
     "min_share": 1, "rule": "",
     "source": "[U] derived from the EMS rules (urban radius <=5 km, 95% depart <=3 min; gov.cn 2021-03-18): "
               "5 km at urban speed plus turn-out, rounded up to 15 min"},
    {"id": "tunnel-30", "name": "Tunnel rescue team within 30 min [U]", "capability": "tunnel", "max_min": 30,
     "site_kinds": ["tunnel"], "min_share": 1, "rule": "", "source": "[U] illustrative planning limit"},
]

# ----------------------------------------------------------------------------------------------------
# Agreements (field names of planner.sharing.ledger.Agreement)

NEIGHBOURS = [("lixia", "shizhong"), ("lixia", "licheng"), ("lixia", "tianqiao"), ("shizhong", "huaiyin"),
              ("shizhong", "tianqiao"), ("shizhong", "licheng"), ("shizhong", "changqing"), ("huaiyin", "tianqiao"),
              ("huaiyin", "changqing"), ("tianqiao", "licheng"), ("tianqiao", "jiyang"), ("licheng", "jiyang"),
              ("licheng", "zhangqiu"), ("zhangqiu", "jiyang"), ("tianqiao", "qihe"), ("huaiyin", "qihe"),
              ("changqing", "qihe")]
DISTRICT_IDS = list(DISTRICTS)
LABOUR_SD = 330.0  # yuan/person-day [U]: about 2x the daily average wage of Shandong urban private-sector staff
ALL_LINES = ["labour", "equipment", "consumables", "transport", "subsistence"]


def agreements() -> list[dict]:
    out = []
    for district in DISTRICT_IDS:
        province_of = "shandong"
        if district != "qihe":
            out.append({"id": f"city-{district}", "lender": "jinan", "borrower": district,
                        "lender_province": "shandong", "borrower_province": province_of, "capabilities": [],
                        "fixed_cost": 0, "cost_per_travel_min": 0, "retained": {}, "reimbursable": []})
        out.append({"id": f"prov-{district}", "lender": "shandong", "borrower": district,
                    "lender_province": "shandong", "borrower_province": province_of, "capabilities": [],
                    "fixed_cost": 2000, "cost_per_travel_min": 10,
                    "rates": {"labour_per_person_day": LABOUR_SD, "transport_per_km": 8, "transport_per_trip": 300,
                              "subsistence_per_person_day": 150,
                              "equipment_per_day": {"foam_tender": 3000, "drainage_pump": 1500,
                                                    "rescue_drill_rig": 20000, "rescue_boat": 400}},
                    "retained": {"hazchem_squad": 2}, "reimbursable": ALL_LINES})
        out.append({"id": f"mem-order-{district}", "lender": "cn", "borrower": district,
                    "borrower_province": province_of, "capabilities": [], "fixed_cost": 10000,
                    "cost_per_travel_min": 30,
                    "rates": {"labour_per_person_day": 400, "transport_per_km": 10, "transport_per_trip": 500,
                              "subsistence_per_person_day": 200,
                              "equipment_per_day": {"rescue_drill_rig": 30000, "drainage_pump": 2000}},
                    "retained": {}, "reimbursable": ALL_LINES})
    out.append({"id": "city-dezhou-qihe", "lender": "jinan", "borrower": "qihe", "lender_province": "shandong",
                "borrower_province": "shandong", "capabilities": ["fire_squad", "hazchem_squad", "medical_squad",
                                                                  "water_rescue_squad"],
                "fixed_cost": 1000, "cost_per_travel_min": 8,
                "rates": {"labour_per_person_day": LABOUR_SD, "transport_per_km": 8, "subsistence_per_person_day": 150},
                "retained": {"fire_squad": 6, "medical_squad": 6}, "reimbursable": ALL_LINES})
    for a, b in NEIGHBOURS:
        for lender, borrower in ((a, b), (b, a)):
            out.append({"id": f"mutual-{lender}-{borrower}", "lender": lender, "borrower": borrower,
                        "lender_province": "shandong", "borrower_province": "shandong",
                        "capabilities": ["fire_squad", "hazchem_squad", "water_rescue_squad", "general_squad",
                                         "aerial_ladder", "foam", "gas_detection"],
                        "fixed_cost": 500, "cost_per_travel_min": 5,
                        "rates": {"labour_per_person_day": LABOUR_SD, "transport_per_km": 6,
                                  "subsistence_per_person_day": 120, "equipment_per_day": {"foam_tender": 2000}},
                        "retained": {"fire_squad": 2}, "reimbursable": ["labour", "equipment", "consumables",
                                                                        "transport"]})
    return out


# ----------------------------------------------------------------------------------------------------

def build() -> dict[str, int]:
    OUT.mkdir(parents=True, exist_ok=True)
    clip = bbox_polygon(*BBOX, pad=0.01)
    cells = voronoi_regions({k: v[4] for k, v in DISTRICTS.items()}, clip)
    features = [
        {"properties": {"id": "cn", "name": "China", "name_zh": "中国", "level": "country"}, "geometry": None},
        {"properties": {"id": "shandong", "name": "Shandong Province", "name_zh": "山东省", "level": "province",
                        "parent": "cn"}, "geometry": None},
        {"properties": {"id": "jinan", "name": "Jinan City", "name_zh": "济南市", "level": "city", "parent": "shandong",
                        "approximate": True, "illustrative": True},
         "geometry": geojson_geometry(unary_union([cells[d] for d in DISTRICTS if d != "qihe"]))},
        {"properties": {"id": "dezhou", "name": "Dezhou City", "name_zh": "德州市", "level": "city",
                        "parent": "shandong"}, "geometry": None},
    ]
    for district, (name, name_zh, parent, level, _anchors) in DISTRICTS.items():
        features.append({"properties": {"id": district, "name": name, "name_zh": name_zh, "level": level,
                                        "parent": parent, "approximate": True, "illustrative": True},
                         "geometry": geojson_geometry(cells[district])})
    counts = {"jurisdictions": write_jurisdictions(OUT / "jurisdictions.geojson", features)}

    bases = [{"id": b[0], "name": b[1], "name_zh": b[2], "tier": b[3], "operator": b[4], "jurisdiction": b[5],
              "lon": b[6], "lat": b[7], "illustrative": True} for b in BASES]
    counts["bases"] = write_csv(OUT / "bases.csv", "bases", bases)
    teams = [{"id": f"{t[0]}-{t[1]}",
              "name": t[2], "name_zh": t[3], "team_type": t[4], "base": t[0], "members": t[5], "squads": t[6],
              "turnout_min": t[7], "capabilities": t[8], "readiness": t[9], "availability": t[10],
              "resource_type": RESOURCE_TYPES.get(f"{t[0]}-{t[1]}"), "illustrative": True} for t in TEAMS]
    counts["teams"] = write_csv(OUT / "teams.csv", "teams", teams)
    counts["equipment"] = write_csv(OUT / "equipment.csv", "equipment", equipment_rows(teams))
    sites = [{"id": s[0], "name": s[1], "name_zh": s[2], "kind": s[3], "risk_grade": s[4], "hazard_level": s[5],
              "jurisdiction": s[6], "lon": s[7], "lat": s[8], "source": s[9], "illustrative": True} for s in SITES]
    counts["sites"] = write_csv(OUT / "sites.csv", "sites", sites)
    counts["standards"] = write_csv(OUT / "standards.csv", "standards",
                                    [{**s, "illustrative": "[U]" in s["source"]} for s in STANDARDS])
    agreement_list = agreements()
    write_json(OUT / "agreements.json", agreement_list)
    counts["agreements"] = len(agreement_list)
    counts.update(make_resources.main("jinan"))
    return counts


if __name__ == "__main__":
    print(build())
