"""A static map figure for printed reports, drawn from shapely geometries: SVG for HTML, ReportLab for PDF, PNG.

No tiles and no network: the figure draws the report's own geometries (jurisdictions, roads, service
areas, bases, sites) in a local equirectangular projection fitted to the frame, with a legend, a scale
bar, a north arrow and the attribution of the data the roads come from (``© OpenStreetMap
contributors``). One :class:`MapFigure` renders all three ways (the PNG through Pillow, with the CJK font
of :mod:`planner.fonts`), so the PDF, the HTML and the image show the same map.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any, Literal

import shapely
from PIL import Image, ImageDraw, ImageFont
from reportlab.graphics.shapes import FILL_EVEN_ODD, Circle, Drawing, Line, Path, Polygon, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from shapely.geometry.base import BaseGeometry

from planner.fonts import cjk_font_file

OSM_ATTRIBUTION = "© OpenStreetMap contributors"
METRES_PER_DEGREE = 111_320.0
_LEGEND_ROW = 11.0
_TITLE_BAND = 18.0
"""Points kept clear above and below the focus: the title's line at the top."""


@dataclass(frozen=True)
class MapLayer:
    """Geometries drawn alike: fill and outline colour (``#rrggbb``), fill opacity, point radius and marker, label.

    ``marker`` is the shape of a point, ``"circle"`` or ``"square"`` (bases are squares on the Map page
    and in print); the legend shows a point layer by its marker.
    """

    label: str
    shapes: Sequence[BaseGeometry]
    stroke: str = "#333333"
    fill: str | None = None
    opacity: float = 1.0
    radius: float = 2.5
    width: float = 0.6
    legend: bool = True
    marker: Literal["circle", "square"] = "circle"

    @property
    def points_only(self) -> bool:
        """Whether every shape is a point (the legend then shows the marker, not a box)."""
        return bool(self.shapes) and all(s.geom_type in ("Point", "MultiPoint") for s in self.shapes)


@dataclass(frozen=True)
class MapFigure:
    """A map of layers (drawn first to last) in a frame ``width`` x ``height`` points, with its furniture.

    ``focus`` are the geometries the frame is fitted to (default: every layer's); what lies outside the
    frame is cut off (a caller may :func:`clip_to` a large layer first, to cut less at drawing time).
    """

    layers: Sequence[MapLayer]
    title: str = ""
    width: float = 170 * mm
    height: float = 120 * mm
    attribution: str = OSM_ATTRIBUTION
    font: str = "Helvetica"
    focus: Sequence[BaseGeometry] = ()
    _frame: tuple[float, float, float, float, float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Fit the focus's bounds (default every layer's, with a margin) into the frame, distances true both ways."""
        shapes = [s for s in self.focus or [s for layer in self.layers for s in layer.shapes]
                  if s is not None and not s.is_empty]
        if shapes:
            west, south, east, north = shapely.total_bounds(shapes).tolist()
        else:
            west, south, east, north = 116.9, 36.6, 117.1, 36.7
        lat0 = (south + north) / 2
        squeeze = math.cos(math.radians(lat0))
        span_x = max((east - west) * squeeze, 1e-4) * 1.08
        span_y = max(north - south, 1e-4) * 1.08
        # The focus fits inside the frame less a band above and below (the title is drawn in the top one), so
        # a focused point never sits under the title or on the frame's edge.
        scale = min(self.width / span_x, max(self.height - 2 * _TITLE_BAND, 1.0) / span_y)  # points per degree
        centre_x, centre_y = (west + east) / 2, (south + north) / 2
        object.__setattr__(self, "_frame", (centre_x, centre_y, squeeze, scale, lat0))

    def point(self, lon: float, lat: float) -> tuple[float, float]:
        """Return a lon/lat point's place in the frame, in points from its lower left corner."""
        centre_x, centre_y, squeeze, scale, _ = self._frame
        return (self.width / 2 + (lon - centre_x) * squeeze * scale, self.height / 2 + (lat - centre_y) * scale)

    def scale_bar(self) -> tuple[float, str]:
        """Return a round distance about a fifth of the frame's width, as its length in points and its label."""
        metres_per_point = METRES_PER_DEGREE / self._frame[3]
        target = self.width / 5 * metres_per_point
        step = 10 ** math.floor(math.log10(target))
        metres = max(m * step for m in (1, 2, 5) if m * step <= target)
        return metres / metres_per_point, (f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m")

    def bounds(self) -> tuple[float, float, float, float]:
        """Return the lon/lat box the frame shows: west, south, east, north."""
        centre_x, centre_y, squeeze, scale, _ = self._frame
        half_x, half_y = self.width / 2 / (squeeze * scale), self.height / 2 / scale
        return centre_x - half_x, centre_y - half_y, centre_x + half_x, centre_y + half_y

    def _rings(self, shape: BaseGeometry) -> Iterator[tuple[str, list[list[tuple[float, float]]]]]:
        """Yield the parts of a geometry inside the frame: ("point" | "line" | "polygon", rings of frame points).

        A polygon is its exterior ring then its holes, filled even-odd so the holes stay open.
        """
        west, south, east, north = self.bounds()
        if shape.geom_type != "Point" and not shape.within(shapely.box(west, south, east, north)):
            shape = shapely.clip_by_rect(shape, west, south, east, north)
        for part in shapely.get_parts(shape):
            if part.is_empty:
                continue
            kind = part.geom_type
            if kind == "Point":
                if west <= part.x <= east and south <= part.y <= north:
                    yield "point", [[self.point(part.x, part.y)]]
            elif kind == "LineString":
                yield "line", [[self.point(x, y) for x, y in part.coords]]
            elif kind == "Polygon":
                rings = (part.exterior, *part.interiors)
                yield "polygon", [[self.point(x, y) for x, y in ring.coords] for ring in rings]
            else:
                yield from self._rings(part)

    def svg(self) -> str:
        """Return the figure as an inline SVG element (y flipped: SVG's y grows downwards)."""
        height = self.height

        def xy(points: list[tuple[float, float]]) -> str:
            return " ".join(f"{x:.1f},{height - y:.1f}" for x, y in points)

        out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {self.width:.0f} {self.height:.0f}" '
               f'width="{self.width:.0f}" height="{self.height:.0f}" role="img" aria-label="{escape(self.title)}" '
               f'font-family="{escape(self.font)}, sans-serif">',
               f'<rect width="{self.width:.0f}" height="{self.height:.0f}" fill="#ffffff" stroke="#888888"/>']
        for layer in self.layers:
            fill = layer.fill or "none"
            style = (f'fill="{fill}" fill-opacity="{layer.opacity}" stroke="{layer.stroke}" '
                     f'stroke-width="{layer.width}"')
            for shape in layer.shapes:
                for kind, rings in self._rings(shape):
                    if kind == "point":
                        (x, y), = rings[0]
                        out.append(_svg_mark(x, height - y, layer.radius, layer.marker, style))
                    elif kind == "line":
                        out.append(f'<polyline points="{xy(rings[0])}" fill="none" stroke="{layer.stroke}" '
                                   f'stroke-width="{layer.width}"/>')
                    else:
                        path = " ".join(f"M{xy(ring)}Z" for ring in rings)
                        out.append(f'<path d="{path}" fill-rule="evenodd" {style}/>')
        for element in self._furniture():
            kind, args = element
            if kind == "text":
                x, y, text, size, anchor = args
                out.append(f'<text x="{x:.1f}" y="{height - y:.1f}" font-size="{size}" text-anchor="{anchor}">'
                           f"{escape(str(text))}</text>")
            elif kind == "line":
                x1, y1, x2, y2, width = args
                out.append(f'<line x1="{x1:.1f}" y1="{height - y1:.1f}" x2="{x2:.1f}" y2="{height - y2:.1f}" '
                           f'stroke="#000000" stroke-width="{width}"/>')
            elif kind == "stroke":
                x1, y1, x2, y2, stroke, width = args
                out.append(f'<line x1="{x1:.1f}" y1="{height - y1:.1f}" x2="{x2:.1f}" y2="{height - y2:.1f}" '
                           f'stroke="{stroke}" stroke-width="{width}"/>')
            elif kind == "box":
                x, y, w, h, fill, opacity, stroke = args
                out.append(f'<rect x="{x:.1f}" y="{height - y - h:.1f}" width="{w:.1f}" height="{h:.1f}" '
                           f'fill="{fill}" fill-opacity="{opacity}" stroke="{stroke}" stroke-width="0.5"/>')
            elif kind == "arrow":
                out.append(f'<polygon points="{xy(list(args))}" fill="#000000"/>')
            elif kind == "mark":
                x, y, layer = args
                out.append(_svg_mark(x, height - y, layer.radius, layer.marker,
                                     f'fill="{layer.fill or "none"}" stroke="{layer.stroke}" '
                                     f'stroke-width="{layer.width}"'))
        out.append("</svg>")
        return "".join(out)

    def drawing(self) -> Drawing:
        """Return the figure as a ReportLab drawing (a flowable of a PDF story)."""
        drawing = Drawing(self.width, self.height)
        drawing.add(Rect(0, 0, self.width, self.height, fillColor=colors.white, strokeColor=colors.grey,
                         strokeWidth=0.5))
        for layer in self.layers:
            stroke = colors.HexColor(layer.stroke)
            fill = _colour(layer.fill, layer.opacity) if layer.fill else None
            for shape in layer.shapes:
                for kind, rings in self._rings(shape):
                    if kind == "point":
                        (x, y), = rings[0]
                        drawing.add(_pdf_mark(x, y, layer, fill))
                    elif kind == "line":
                        drawing.add(PolyLine([c for p in rings[0] for c in p], strokeColor=stroke,
                                             strokeWidth=layer.width))
                    else:
                        drawing.add(_even_odd(rings, fill, stroke, layer.width))
        for kind, args in self._furniture():
            if kind == "text":
                x, y, text, size, anchor = args
                drawing.add(String(x, y, str(text), fontName=self.font, fontSize=size, textAnchor=anchor))
            elif kind == "line":
                x1, y1, x2, y2, width = args
                drawing.add(Line(x1, y1, x2, y2, strokeColor=colors.black, strokeWidth=width))
            elif kind == "stroke":
                x1, y1, x2, y2, stroke, width = args
                drawing.add(Line(x1, y1, x2, y2, strokeColor=colors.HexColor(stroke), strokeWidth=width))
            elif kind == "box":
                x, y, w, h, fill, opacity, stroke = args
                drawing.add(Rect(x, y, w, h, fillColor=_colour(fill, opacity),
                                 strokeColor=colors.HexColor(stroke), strokeWidth=0.5))
            elif kind == "arrow":
                drawing.add(Polygon([c for p in args for c in p], fillColor=colors.black, strokeColor=None))
            elif kind == "mark":
                x, y, layer = args
                drawing.add(_pdf_mark(x, y, layer, colors.HexColor(layer.fill) if layer.fill else None))
        return drawing

    def png(self, scale: float = 2.0) -> bytes:
        """Return the figure as a PNG of ``width`` x ``height`` points times ``scale`` pixels (2: 144 dpi).

        Translucent fills are painted layer by layer through a mask (a polygon's holes cleared from it), so
        overlapping shapes of one layer do not darken each other, as in the PDF.
        """
        size = (round(self.width * scale), round(self.height * scale))
        image = Image.new("RGBA", size, "#ffffff")
        height = self.height

        def xy(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
            return [(x * scale, (height - y) * scale) for x, y in points]

        for layer in self.layers:
            parts = [part for shape in layer.shapes for part in self._rings(shape)]
            if layer.fill:
                mask = Image.new("L", size, 0)
                shade = ImageDraw.Draw(mask)
                for kind, rings in parts:
                    if kind == "polygon":
                        shade.polygon(xy(rings[0]), fill=255)
                        for hole in rings[1:]:
                            shade.polygon(xy(hole), fill=0)
                tint = Image.new("RGBA", size, layer.fill)
                image.paste(tint, (0, 0), mask.point(lambda v, a=layer.opacity: round(v * a)))
            draw = ImageDraw.Draw(image)
            line = max(1, round(layer.width * scale))
            for kind, rings in parts:
                if kind == "point":
                    (x, y), = xy(rings[0])
                    _png_mark(draw, x, y, layer, scale)
                elif kind == "line":
                    draw.line(xy(rings[0]), fill=layer.stroke, width=line, joint="curve")
                else:
                    for ring in rings:
                        draw.line(xy(ring), fill=layer.stroke, width=line)
        found = cjk_font_file()
        fonts: dict[float, ImageFont.FreeTypeFont | ImageFont.ImageFont] = {}

        def font(size_pt: float) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
            if size_pt not in fonts:
                fonts[size_pt] = (ImageFont.truetype(found[1], size_pt * scale, index=found[2]) if found
                                  else ImageFont.load_default(size_pt * scale))
            return fonts[size_pt]

        for kind, args in self._furniture():
            if kind == "box":  # translucent: painted on a clear sheet laid over the map
                x, y, w, h, fill, opacity, stroke = args
                (left, top), (right, bottom) = xy([(x, y + h), (x + w, y)])
                rgb = colors.HexColor(fill)
                sheet = Image.new("RGBA", size, (0, 0, 0, 0))
                ImageDraw.Draw(sheet).rectangle(
                    (left, top, right, bottom), outline=stroke, width=max(1, round(0.5 * scale)),
                    fill=(round(rgb.red * 255), round(rgb.green * 255), round(rgb.blue * 255), round(255 * opacity)))
                image = Image.alpha_composite(image, sheet)
                continue
            draw = ImageDraw.Draw(image)
            if kind == "text":
                x, y, text, size_pt, anchor = args
                draw.text(xy([(x, y)])[0], str(text), fill="#000000", font=font(size_pt),
                          anchor={"start": "ls", "middle": "ms", "end": "rs"}[anchor])
            elif kind in ("line", "stroke"):
                x1, y1, x2, y2, *rest = args
                stroke, width = ("#000000", rest[0]) if kind == "line" else rest
                draw.line(xy([(x1, y1), (x2, y2)]), fill=stroke, width=max(1, round(width * scale)))
            elif kind == "arrow":
                draw.polygon(xy(list(args)), fill="#000000")
            elif kind == "mark":
                x, y, layer = args
                (px, py), = xy([(x, y)])
                _png_mark(draw, px, py, layer, scale)
        ImageDraw.Draw(image).rectangle((0, 0, size[0] - 1, size[1] - 1), outline="#888888", width=1)
        out = io.BytesIO()
        image.convert("RGB").save(out, "PNG", optimize=True)
        return out.getvalue()

    def _furniture(self) -> list[tuple[str, tuple[Any, ...]]]:
        """Return the legend, scale bar, north arrow, title and attribution as simple drawing instructions."""
        items: list[tuple[str, tuple[Any, ...]]] = []
        legend = [layer for layer in self.layers if layer.legend]
        box_h = _LEGEND_ROW * len(legend) + 6
        if legend:
            items.append(("box", (4, self.height - 4 - box_h, 118, box_h, "#ffffff", 0.85, "#888888")))
        for row, layer in enumerate(legend):
            y = self.height - 4 - 9 - row * _LEGEND_ROW
            if layer.points_only:  # a point layer: its marker
                items.append(("mark", (13.5, y + 2.5, layer)))
            elif layer.fill is None:  # a line layer: a line in the legend
                items.append(("stroke", (9, y + 2.5, 18, y + 2.5, layer.stroke, max(layer.width, 1.0))))
            else:
                items.append(("box", (9, y - 1, 9, 7, layer.fill, max(layer.opacity, 0.3), layer.stroke)))
            items.append(("text", (22, y, layer.label, 7, "start")))
        length, label = self.scale_bar()
        x0, y0 = self.width - length - 12, 14
        items += [("box", (x0 - 4, y0 - 5, length + 12, 22, "#ffffff", 0.85, "#ffffff")),
                  ("line", (x0, y0, x0 + length, y0, 1.2)), ("line", (x0, y0 - 2, x0, y0 + 2, 0.8)),
                  ("line", (x0 + length, y0 - 2, x0 + length, y0 + 2, 0.8)),
                  ("text", (x0 + length / 2, y0 + 4, label, 7, "middle"))]
        nx, ny = self.width - 16, self.height - 30
        items += [("arrow", ((nx - 5, ny), (nx, ny + 14), (nx + 5, ny), (nx, ny + 4))),
                  ("text", (nx, ny + 17, "N", 8, "middle"))]
        if self.title:
            items.append(("text", (self.width / 2, self.height - 11, self.title, 9, "middle")))
        items.append(("text", (4, 4, self.attribution, 6.5, "start")))
        return items


def _svg_mark(x: float, y: float, radius: float, marker: str, style: str) -> str:
    """Return an SVG circle or square of ``radius`` centred on (x, y) (SVG coordinates)."""
    if marker == "square":
        return (f'<rect x="{x - radius:.1f}" y="{y - radius:.1f}" width="{2 * radius:.1f}" '
                f'height="{2 * radius:.1f}" {style}/>')
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius}" {style}/>'


def _pdf_mark(x: float, y: float, layer: MapLayer, fill: colors.Color | None) -> Circle | Rect:
    """Return a ReportLab circle or square of the layer's marker centred on (x, y)."""
    stroke, r = colors.HexColor(layer.stroke), layer.radius
    if layer.marker == "square":
        return Rect(x - r, y - r, 2 * r, 2 * r, fillColor=fill, strokeColor=stroke, strokeWidth=layer.width)
    return Circle(x, y, r, fillColor=fill, strokeColor=stroke, strokeWidth=layer.width)


def _png_mark(draw: ImageDraw.ImageDraw, x: float, y: float, layer: MapLayer, scale: float) -> None:
    """Draw the layer's marker centred on pixel (x, y)."""
    r = layer.radius * scale
    box = (x - r, y - r, x + r, y + r)
    line = max(1, round(layer.width * scale))
    if layer.marker == "square":
        draw.rectangle(box, fill=layer.fill, outline=layer.stroke, width=line)
    else:
        draw.ellipse(box, fill=layer.fill, outline=layer.stroke, width=line)


def _even_odd(rings: list[list[tuple[float, float]]], fill: colors.Color | None, stroke: colors.Color,
              width: float) -> Path:
    """Return a polygon's rings as one ReportLab path filled even-odd (its holes open)."""
    path = Path(fillColor=fill, strokeColor=stroke, strokeWidth=width, fillMode=FILL_EVEN_ODD)
    for ring in rings:
        path.moveTo(*ring[0])
        for point in ring[1:]:
            path.lineTo(*point)
        path.closePath()
    return path


def _colour(hex_rgb: str, opacity: float) -> colors.Color:
    """Return ``#rrggbb`` at ``opacity`` as a ReportLab colour."""
    rgb = colors.HexColor(hex_rgb)
    return colors.Color(rgb.red, rgb.green, rgb.blue, alpha=opacity)


def clip_to(shapes: Sequence[BaseGeometry], focus: Sequence[BaseGeometry], margin: float = 0.5) -> list[BaseGeometry]:
    """Return ``shapes`` cut to the bounds of ``focus`` widened by ``margin`` of their size on each side."""
    live = [s for s in focus if s is not None and not s.is_empty]
    if not live:
        return list(shapes)
    west, south, east, north = shapely.total_bounds(live).tolist()
    dx, dy = max(east - west, 0.01) * margin, max(north - south, 0.01) * margin
    clipped = [shapely.clip_by_rect(s, west - dx, south - dy, east + dx, north + dy) for s in shapes]
    return [s for s in clipped if not s.is_empty]
