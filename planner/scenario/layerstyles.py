"""QGIS styles (QML) of the exported layers, as the map draws them: one colour per layer, pass/fail on verdicts.

Written into a GeoPackage's ``layer_styles`` table (:mod:`planner.scenario.layerfiles`), which QGIS reads
and applies as the layer's default style when the layer is added. Kept simple on purpose: a single
symbol per layer, categories on ``passed`` for the coverage verdicts, translucent fills for the areas;
ArcGIS ignores the table.
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

_POINT_COLOURS = {"bases": "25,118,210", "teams": "94,53,177", "equipment": "0,121,107", "sites": "230,81,0",
                  "depots": "121,85,72", "gaps": "211,47,47"}
_AREA_COLOURS = {"jurisdictions": ("120,120,120", "0"), "service_areas": ("57,73,171", "60"),
                 "service_area_breaks": ("57,73,171", "50")}


def _options(values: dict[str, str]) -> str:
    items = "".join(f'<Option type="QString" name={quoteattr(k)} value={quoteattr(v)}/>' for k, v in values.items())
    return f'<Option type="Map">{items}</Option>'


def _marker(name: str, rgb: str) -> str:
    return (f'<symbol type="marker" name={quoteattr(name)} alpha="1" clip_to_extent="1" force_rhr="0">'
            f'<layer class="SimpleMarker" enabled="1" pass="0" locked="0">'
            + _options({"name": "circle", "color": f"{rgb},255", "outline_color": "35,35,35,255", "size": "3"})
            + "</layer></symbol>")


def _fill(name: str, rgb: str, alpha: str) -> str:
    return (f'<symbol type="fill" name={quoteattr(name)} alpha="1" clip_to_extent="1" force_rhr="0">'
            f'<layer class="SimpleFill" enabled="1" pass="0" locked="0">'
            + _options({"color": f"{rgb},{alpha}", "outline_color": f"{rgb},255", "outline_width": "0.4",
                        "style": "solid"})
            + "</layer></symbol>")


def _document(renderer: str) -> str:
    return f'<!DOCTYPE qgis PUBLIC \'http://mrcc.com/qgis.dtd\' \'SYSTEM\'><qgis version="3.28.0" ' \
           f'styleCategories="Symbology">{renderer}</qgis>'


def layer_style_qml(name: str) -> str | None:
    """Return the QML of layer ``name``'s default style, or None for a layer left to QGIS's defaults."""
    if name == "coverage":
        categories = ('<categories><category render="true" symbol="0" value="1" label="达标 pass"/>'
                      '<category render="true" symbol="1" value="0" label="未达标 fail"/></categories>')
        symbols = f"<symbols>{_marker('0', '26,152,80')}{_marker('1', '215,48,39')}</symbols>"
        return _document(f'<renderer-v2 type="categorizedSymbol" attr="passed" symbollevels="0" forceraster="0" '
                         f'enableorderby="0">{categories}{symbols}</renderer-v2>')
    if name in _POINT_COLOURS:
        return _document('<renderer-v2 type="singleSymbol" symbollevels="0" forceraster="0" enableorderby="0">'
                         f"<symbols>{_marker('0', _POINT_COLOURS[name])}</symbols></renderer-v2>")
    if name in _AREA_COLOURS:
        rgb, alpha = _AREA_COLOURS[name]
        return _document('<renderer-v2 type="singleSymbol" symbollevels="0" forceraster="0" enableorderby="0">'
                         f"<symbols>{_fill('0', rgb, alpha)}</symbols></renderer-v2>")
    return None
