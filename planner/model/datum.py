"""Points as users give them: ``lon``/``lat`` in WGS-84, or copied from an Amap (GCJ-02) or Baidu (BD-09) map.

Every input with a point (record bodies and rows of CSV/GeoJSON files, dispatch incidents, what-if
candidates, the CLI's points) accepts ``crs`` = ``wgs84`` (default), ``gcj02`` or ``bd09``. The point is
converted once, when it is validated, by :func:`geodata.datums.to_wgs84`; records are stored and returned
in WGS-84 and ``crs`` is never written back, so the same site entered both ways is one and the same record.
"""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, Field, model_validator

from geodata.datums import MapDatum, to_wgs84

CRS_DESCRIPTION = ("coordinate system of lon/lat as given: wgs84 (GPS, OpenStreetMap; the default), gcj02 "
                   "(Amap/Tencent) or bd09 (Baidu); stored and returned as wgs84")


class MapPoint(BaseModel):
    """Mixin of a model with ``lon``/``lat`` fields: accepts ``crs`` and holds the point in WGS-84 once validated.

    Mix it in after the model's base (``class Site(Record, MapPoint)``) so the base's configuration
    holds; ``crs`` is left out of what the model writes (it is always ``wgs84`` after validation).
    """

    crs: MapDatum = Field(default=MapDatum.WGS84, exclude=True, description=CRS_DESCRIPTION)

    @model_validator(mode="after")
    def _in_wgs84(self) -> Self:
        if self.crs is not MapDatum.WGS84:
            lon, lat = to_wgs84(getattr(self, "lon"), getattr(self, "lat"), self.crs)  # noqa: B009
            object.__setattr__(self, "lon", lon)  # frozen models: set once, while validating
            object.__setattr__(self, "lat", lat)
            object.__setattr__(self, "crs", MapDatum.WGS84)
        return self
