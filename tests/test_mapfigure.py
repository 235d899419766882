"""Printed maps: each point layer drawn with its marker (SVG, PDF, PNG and the legend alike); the page header."""

from __future__ import annotations

import io
import re

import shapely
from PIL import Image
from reportlab.graphics.shapes import Circle, Rect

from planner.mapfigure import MapFigure, MapLayer
from planner.pdf import PageHeader

BASE = shapely.Point(116.95, 36.65)
SITE = shapely.Point(117.05, 36.70)


def figure() -> MapFigure:
    return MapFigure([MapLayer("Bases", [BASE], fill="#ff0000", stroke="#ff0000", radius=6.0, marker="square"),
                      MapLayer("Sites", [SITE], fill="#00aa00", stroke="#00aa00", radius=6.0)], title="t",
                     focus=[shapely.box(116.8, 36.5, 117.2, 36.85)])  # both points well inside the frame


def test_squares_and_circles_on_the_map_and_in_the_legend_of_the_svg() -> None:
    svg = figure().svg()
    # the base and its legend swatch as squares, the site and its swatch as circles, and nothing else in either colour
    assert len(re.findall(r'<rect [^>]*fill="#ff0000"', svg)) == 2 and svg.count('fill="#ff0000"') == 2
    assert len(re.findall(r'<circle [^>]*fill="#00aa00"', svg)) == 2 and svg.count('fill="#00aa00"') == 2


def test_the_pdf_drawing_has_a_square_for_the_base_and_a_circle_for_the_site() -> None:
    shapes = figure().drawing().contents
    red = [s for s in shapes if isinstance(s, Rect) and s.fillColor is not None and s.fillColor.hexval() == "0xff0000"]
    green = [s for s in shapes if isinstance(s, Circle) and s.fillColor.hexval() == "0x00aa00"]
    assert len(red) == 2 and len(green) == 2  # on the map and in the legend


def test_a_square_fills_its_corners_in_the_png_and_a_circle_does_not() -> None:
    fig, scale = figure(), 2.0
    image = Image.open(io.BytesIO(fig.png(scale))).convert("RGB")
    for point, marker in ((BASE, "square"), (SITE, "circle")):
        x, y = fig.point(point.x, point.y)
        corner = (round((x + 0.8 * 6.0) * scale), round((fig.height - y - 0.8 * 6.0) * scale))
        centre = (round(x * scale), round((fig.height - y) * scale))
        assert image.getpixel(centre) != (255, 255, 255)
        assert (image.getpixel(corner) != (255, 255, 255)) is (marker == "square")


def test_a_page_header_says_an_agency_named_like_its_scenario_once() -> None:
    assert PageHeader("地图 Map", agency="测试小区域", scenario="测试小区域").line() == "测试小区域 · 地图 Map"
    assert PageHeader("地图 Map", agency="应急管理局", scenario="jinan").line() == "应急管理局 · jinan · 地图 Map"
    assert PageHeader("测试小区域 · 地图 · 12:00", scenario="测试小区域").line() == "测试小区域 · 地图 · 12:00"


def test_the_northernmost_focused_point_stays_below_the_title() -> None:
    # A drill figure is fitted to its incident and bases; the incident farthest north once sat under the title.
    south, north = shapely.Point(117.0, 36.60), shapely.Point(117.01, 36.75)  # a tall focus: height decides
    fig = MapFigure([MapLayer("Sites", [south, north], fill="#00aa00")], title="演练 Drill")
    title_y = next(args[1] for kind, args in fig._furniture() if kind == "text" and args[2] == "演练 Drill")
    assert fig.point(north.x, north.y)[1] + 6 < title_y  # the marker's top below the title's baseline
    assert fig.point(south.x, south.y)[1] > 6
