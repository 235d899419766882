"""Coded values of the domain records: the enums, their Chinese and English labels, the kinds with a place.

Standard library only, so that a command's ``--help`` can offer the codes as choices without loading
pydantic and the records (:mod:`planner.model.records` uses and re-exports every name here).
"""

from __future__ import annotations

from enum import Enum, StrEnum
from typing import Literal, get_args

RECORD_KINDS: tuple[str, ...] = ("jurisdictions", "bases", "teams", "equipment", "sites", "standards")
"""Record kinds (also the file stems in a scenario folder), in the order :data:`planner.model.records.RECORD_TYPES`
gives their types."""

POINT_KINDS = ("bases", "teams", "sites")
"""Record kinds with a place on the road network: bases, teams (at their base) and hazard sites."""

Encoding = Literal["utf-8", "gb18030"]
"""The name of an accepted text encoding, as a sender declares it (an API parameter, a form field, ``--encoding``)."""
ENCODINGS: tuple[str, ...] = get_args(Encoding)
"""Text encodings accepted: UTF-8 (a byte order mark is skipped), and GB18030 when the sender declares it
(read by :mod:`planner.model.reading`)."""


class Tier(StrEnum):
    """Tier of a rescue force (国家队核心 / 地方队骨干 / 企业队基础 / 社会志愿者补充)."""

    NATIONAL = "national"
    REGIONAL = "regional"
    LOCAL = "local"
    ENTERPRISE = "enterprise"
    VOLUNTEER = "volunteer"


class TeamType(StrEnum):
    """What a team is trained and equipped for."""

    MINE_RESCUE = "mine_rescue"
    HAZCHEM = "hazchem"
    FIRE = "fire"
    MEDICAL = "medical"
    DRILLING = "drilling"
    TUNNEL = "tunnel"
    OIL_GAS = "oil_gas"
    WATER_RESCUE = "water_rescue"
    GENERAL = "general"


class SiteKind(StrEnum):
    """Kind of hazard site; decides which response standards apply."""

    COAL_MINE = "coal_mine"
    METAL_MINE = "metal_mine"
    TAILINGS_DAM = "tailings_dam"
    CHEMICAL_PARK = "chemical_park"
    CHEMICAL_PLANT = "chemical_plant"
    OIL_GAS = "oil_gas"
    FUEL_DEPOT = "fuel_depot"
    STEEL_WORKS = "steel_works"
    GAS_PIPELINE = "gas_pipeline"
    TUNNEL = "tunnel"
    HIGH_RISE = "high_rise"
    RAIL_HUB = "rail_hub"
    URBAN_CRITICAL = "urban_critical"


class RiskGrade(StrEnum):
    """Enterprise risk grade 重大/较大/一般/低 = red/orange/yellow/blue (highest first)."""

    RED = "red"
    ORANGE = "orange"
    YELLOW = "yellow"
    BLUE = "blue"

    @property
    def rank(self) -> int:
        """0 for red (most severe) to 3 for blue, for sorting gap lists."""
        return list(RiskGrade).index(self)


class Readiness(StrEnum):
    """Readiness posture of a team; raised postures shorten turn-out."""

    NORMAL = "normal"
    RAISED = "raised"
    FULL = "full"


class Availability(StrEnum):
    """Whether a team can be dispatched now."""

    AVAILABLE = "available"
    COMMITTED = "committed"
    DRILLING = "drilling"
    OFF_DUTY = "off_duty"


class JurisdictionLevel(StrEnum):
    """Administrative level of a jurisdiction."""

    COUNTRY = "country"
    PROVINCE = "province"
    CITY = "city"
    DISTRICT = "district"
    COUNTY = "county"
    PARK = "park"


LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "tier": {
        "national": ("国家级", "national"),
        "regional": ("区域骨干", "regional"),
        "local": ("地方基层", "local"),
        "enterprise": ("企业", "enterprise"),
        "volunteer": ("社会志愿", "volunteer"),
    },
    "team_type": {
        "mine_rescue": ("矿山救护", "mine rescue"),
        "hazchem": ("危化救援", "hazardous chemicals"),
        "fire": ("消防救援", "fire and rescue"),
        "medical": ("医疗救护", "medical"),
        "drilling": ("钻探救援", "rescue drilling"),
        "tunnel": ("隧道救援", "tunnel rescue"),
        "oil_gas": ("油气管道救援", "oil and gas"),
        "water_rescue": ("水上救援", "water rescue"),
        "general": ("综合救援", "general rescue"),
    },
    "risk_grade": {
        "red": ("重大风险", "major (red)"),
        "orange": ("较大风险", "significant (orange)"),
        "yellow": ("一般风险", "general (yellow)"),
        "blue": ("低风险", "low (blue)"),
    },
    "site_kind": {
        "coal_mine": ("煤矿", "coal mine"),
        "metal_mine": ("金属非金属矿山", "metal mine"),
        "tailings_dam": ("尾矿库", "tailings dam"),
        "chemical_park": ("化工园区", "chemical park"),
        "chemical_plant": ("危险化学品企业", "chemical plant"),
        "oil_gas": ("油气设施", "oil and gas facility"),
        "fuel_depot": ("油库", "fuel depot"),
        "steel_works": ("钢铁冶金", "steel works"),
        "gas_pipeline": ("燃气管线", "gas pipeline"),
        "tunnel": ("隧道", "tunnel"),
        "high_rise": ("高层建筑群", "high-rise cluster"),
        "rail_hub": ("铁路枢纽", "rail hub"),
        "urban_critical": ("城市重要设施", "urban critical site"),
    },
    "hazard_level": {
        "1": ("一级重大危险源", "major hazard source level 1"),
        "2": ("二级重大危险源", "major hazard source level 2"),
        "3": ("三级重大危险源", "major hazard source level 3"),
        "4": ("四级重大危险源", "major hazard source level 4"),
    },
}
"""Chinese and English label per coded value, by field."""



def label(field: str, value: object) -> str:
    """``"重大风险 / major (red)"`` for a coded value; the value itself when it has no label."""
    key = value.value if isinstance(value, Enum) else str(value)
    zh_en = LABELS.get(field, {}).get(key)
    return f"{zh_en[0]} / {zh_en[1]}" if zh_en else key
