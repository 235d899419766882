"""Counties (县/区/县级市) of the Shanxi coal mines: the level below the cities, for scope and requests.

Each mine goes to the county of its own prefecture whose seat is nearest (illustrative: seats are rounded
positions of the county towns, not surveyed boundaries; the county's boundary is not drawn, so a point
on the map still falls in its city). Used by ``make_shanxi.py``; ``python3 counties.py`` rewrites the
shipped ``jurisdictions.geojson`` and ``sites.csv`` of ``scenarios/shanxi-coal`` in place.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "shanxi-coal"

COUNTIES: dict[str, list[tuple[str, str, str, float, float]]] = {
    # city id: [(county id, English name, Chinese name, seat lon, seat lat), ...]
    "changzhi": [("shangdang", "Shangdang District", "上党区", 113.05, 36.05),
                 ("tunliu", "Tunliu District", "屯留区", 112.89, 36.32),
                 ("zhangzi", "Zhangzi County", "长子县", 112.88, 36.12),
                 ("xiangyuan", "Xiangyuan County", "襄垣县", 113.05, 36.53),
                 ("qinyuan", "Qinyuan County", "沁源县", 112.34, 36.50),
                 ("wuxiang", "Wuxiang County", "武乡县", 112.86, 36.84)],
    "lvliang": [("liulin", "Liulin County", "柳林县", 110.89, 37.43),
                ("xingxian", "Xing County", "兴县", 111.13, 38.46),
                ("linxian", "Lin County", "临县", 110.99, 37.95),
                ("xiaoyi", "Xiaoyi City", "孝义市", 111.78, 37.14)],
    "taiyuan": [("gujiao", "Gujiao City", "古交市", 112.17, 37.91),
                ("wanbailin", "Wanbailin District", "万柏林区", 112.52, 37.86),
                ("loufan", "Loufan County", "娄烦县", 111.80, 38.07)],
    "datong": [("yungang", "Yungang District", "云冈区", 113.15, 40.00),
               ("zuoyun", "Zuoyun County", "左云县", 112.70, 40.01)],
    "linfen": [("xiangning", "Xiangning County", "乡宁县", 110.85, 35.97)],
    "jincheng": [("gaoping", "Gaoping City", "高平市", 112.92, 35.80),
                 ("qinshui", "Qinshui County", "沁水县", 112.19, 35.69),
                 ("zezhou", "Zezhou County", "泽州县", 112.84, 35.51)],
    "xinzhou": [("baode", "Baode County", "保德县", 111.09, 39.02)],
}
"""Counties with mines, by city (seats from the county towns' published coordinates, rounded; illustrative)."""


def county_features() -> list[dict[str, Any]]:
    """Jurisdiction features of the counties: level county, parent the city, no boundary, illustrative."""
    return [{"properties": {"id": cid, "name": name, "name_zh": zh, "level": "county", "parent": city,
                            "approximate": True, "illustrative": True}, "geometry": None}
            for city, counties in COUNTIES.items() for cid, name, zh, _lon, _lat in counties]


def county_of(city: str, lon: float, lat: float) -> str:
    """Return the county of ``city`` whose seat is nearest the point (the city itself when it lists none)."""
    counties = COUNTIES.get(city)
    if not counties:
        return city
    scale = math.cos(math.radians(lat))
    return min(counties, key=lambda c: ((c[3] - lon) * scale) ** 2 + (c[4] - lat) ** 2)[0]


def rewrite_shipped() -> None:
    """Add the counties to the shipped jurisdictions and move each mine to its county."""
    path = OUT / "jurisdictions.geojson"
    collection = json.loads(path.read_text(encoding="utf-8"))
    known = {f["properties"]["id"] for f in collection["features"]}
    collection["features"] += [{"type": "Feature", **f} for f in county_features()
                               if f["properties"]["id"] not in known]
    path.write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    sites = OUT / "sites.csv"
    with sites.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = list(reader.fieldnames or [])
        rows = list(reader)
    for row in rows:
        city = row["jurisdiction"] if row["jurisdiction"] in COUNTIES else next(
            (c for c, items in COUNTIES.items() if row["jurisdiction"] in {i[0] for i in items}), row["jurisdiction"])
        row["jurisdiction"] = county_of(city, float(row["lon"]), float(row["lat"]))
    with sites.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    rewrite_shipped()
