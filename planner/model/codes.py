"""Coded values of the domain records: the enums, their Chinese and English labels, the kinds with a place.

Standard library only, so that a command's ``--help`` can offer the codes as choices without loading
pydantic and the records (:mod:`planner.model.records` uses and re-exports every name here).
"""

from __future__ import annotations

from enum import Enum, StrEnum
from typing import Literal, get_args

from planner.errors import CODED

RECORD_KINDS: tuple[str, ...] = (
    "jurisdictions", "bases", "teams", "equipment", "sites", "standards", "people", "shifts", "depots", "stocks",
)
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


class EquipmentStatus(StrEnum):
    """Whether equipment can be used: only items in service count for anything."""

    IN_SERVICE = "in_service"
    MAINTENANCE = "maintenance"
    OUT_OF_SERVICE = "out_of_service"


class JurisdictionLevel(StrEnum):
    """Administrative level of a jurisdiction."""

    COUNTRY = "country"
    PROVINCE = "province"
    CITY = "city"
    DISTRICT = "district"
    COUNTY = "county"
    PARK = "park"


_UNIT_MOVES: dict[str, tuple[str, str]] = {
    "offered": ("已响应", "offered"),
    "accepted": ("已接受", "accepted"),
    "declined": ("已婉拒", "declined"),
    "en_route": ("在途", "en route"),
    "on_scene": ("已到场", "on scene"),
    "released": ("已解除", "released"),
    "returned": ("已归队", "returned"),
}
"""A lent unit's way from offer to home: the same words in a request's state and in a unit's status."""

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
    "role": {
        "commander": ("指挥员", "commander"),
        "squad_leader": ("小队长", "squad leader"),
        "deputy_leader": ("副小队长", "deputy squad leader"),
        "member": ("队员", "member"),
        "driver": ("驾驶员", "driver"),
        "medic": ("医护人员", "medic"),
        "diver": ("潜水员", "diver"),
        "technician": ("技术员", "technician"),
    },
    "qualification": {
        "mine_rescue": ("矿山救护队员", "mine rescue"),
        "hazchem": ("危险化学品救援", "hazardous-chemicals rescue"),
        "diving": ("潜水", "diving"),
        "water_rescue": ("水域救援", "water rescue"),
        "firefighting": ("消防员职业资格", "firefighter"),
        "first_aid": ("急救", "first aid"),
        "paramedic": ("医护执业", "medical licence"),
        "medical_fitness": ("体检合格", "medical fitness"),
        "driving_a1": ("驾驶证 A1", "driving licence A1"),
        "driving_a2": ("驾驶证 A2", "driving licence A2"),
        "driving_b2": ("驾驶证 B2", "driving licence B2"),
        "driving_c1": ("驾驶证 C1", "driving licence C1"),
    },
    "equipment_status": {
        "in_service": ("在用", "in service"),
        "maintenance": ("维修保养", "maintenance"),
        "out_of_service": ("停用", "out of service"),
    },
    "shift_kind": {
        "duty": ("值班", "on duty"),
        "leave": ("休假", "leave"),
        "training": ("培训", "training"),
    },
    "hazard_level": {
        "1": ("一级重大危险源", "major hazard source level 1"),
        "2": ("二级重大危险源", "major hazard source level 2"),
        "3": ("三级重大危险源", "major hazard source level 3"),
        "4": ("四级重大危险源", "major hazard source level 4"),
    },
    "readiness": {
        "normal": ("常备", "normal"),
        "raised": ("加强战备", "raised"),
        "full": ("全员战备", "full"),
    },
    "availability": {
        "available": ("可调派", "available"),
        "committed": ("已出动", "committed"),
        "drilling": ("演练中", "drilling"),
        "off_duty": ("休整", "off duty"),
    },
    "jurisdiction_level": {
        "country": ("国家", "country"),
        "province": ("省", "province"),
        "city": ("市", "city"),
        "district": ("区", "district"),
        "county": ("县", "county"),
        "park": ("园区", "park"),
    },
    "capability": {
        "mine_rescue_squad": ("矿山救护小队", "mine rescue squad"),
        "hazchem_squad": ("危化救援小队", "hazchem squad"),
        "fire_squad": ("消防战斗班", "fire squad"),
        "medical_squad": ("医疗救护组", "medical squad"),
        "drilling_squad": ("钻探救援组", "drilling squad"),
        "tunnel_squad": ("隧道救援小队", "tunnel rescue squad"),
        "oil_gas_squad": ("油气抢险小队", "oil and gas squad"),
        "water_rescue_squad": ("水上救援小队", "water rescue squad"),
        "general_squad": ("综合救援小队", "general rescue squad"),
        "aerial": ("航空救援", "aerial"),
        "aerial_ladder": ("登高平台", "aerial ladder"),
        "breathing_apparatus": ("呼吸器", "breathing apparatus"),
        "burns": ("烧伤救治", "burns care"),
        "canine": ("搜救犬", "search dogs"),
        "chemical_protection": ("化学防护", "chemical protection"),
        "collapse_search": ("坍塌搜救", "collapse search"),
        "command": ("指挥", "command"),
        "communications": ("应急通信", "communications"),
        "consumable": ("消耗品", "consumables"),
        "decontamination": ("洗消", "decontamination"),
        "diving": ("潜水", "diving"),
        "drainage": ("排水", "drainage"),
        "drilling": ("钻探", "drilling"),
        "drilling_rig": ("钻机", "drilling rig"),
        "field_hospital": ("野战医院", "field hospital"),
        "fire": ("灭火", "firefighting"),
        "foam": ("泡沫灭火", "foam"),
        "gas_detection": ("气体检测", "gas detection"),
        "heavy": ("重型装备", "heavy equipment"),
        "heavy_lifting": ("重型起吊", "heavy lifting"),
        "large_diameter_drill": ("大口径钻机", "large-diameter drill"),
        "leak_sealing": ("堵漏", "leak sealing"),
        "levee_repair": ("堤防抢险", "levee repair"),
        "light": ("轻型装备", "light equipment"),
        "lighting": ("照明", "lighting"),
        "logistics": ("后勤保障", "logistics"),
        "mass_casualty": ("批量伤员救治", "mass casualty care"),
        "medical": ("医疗", "medical"),
        "power": ("应急供电", "emergency power"),
        "reconnaissance": ("侦检", "reconnaissance"),
        "toxicology": ("中毒救治", "toxicology"),
        "tunnel": ("隧道", "tunnel"),
        "ventilation": ("通风排烟", "ventilation"),
        "water_rescue": ("水域救援", "water rescue"),
    },
    "user_role": {
        "viewer": ("查看", "viewer"),
        "dispatcher": ("调度", "dispatcher"),
        "planner": ("规划", "planner"),
        "admin": ("管理员", "admin"),
    },
    "crs": {
        "wgs84": ("WGS-84 (GPS、开放街图)", "WGS-84 (GPS, OpenStreetMap)"),
        "gcj02": ("GCJ-02 (高德、腾讯地图)", "GCJ-02 (Amap, Tencent)"),
        "bd09": ("BD-09 (百度地图)", "BD-09 (Baidu)"),
    },
    "field": {
        "id": ("编号", "id"), "illustrative": ("示例数据", "illustrative"), "name": ("名称", "name"),
        "name_zh": ("中文名称", "Chinese name"), "level": ("行政级别", "level"), "parent": ("上级区域", "parent"),
        "geometry": ("边界", "boundary"), "approximate": ("边界为示意", "approximate boundary"),
        "crs": ("坐标系", "coordinate system"), "lon": ("经度", "longitude"), "lat": ("纬度", "latitude"),
        "tier": ("力量层级", "tier"), "operator": ("主管单位", "operator"),
        "jurisdiction": ("所属区域", "jurisdiction"),
        "team_type": ("队伍类型", "team type"), "base": ("所在基地", "base"), "members": ("人数", "members"),
        "squads": ("小队数", "squads"), "readiness": ("战备等级", "readiness"),
        "availability": ("可用状态", "availability"),
        "turnout_min": ("出动准备(分钟)", "turn-out (min)"), "capabilities": ("能力", "capabilities"),
        "kind": ("类别", "kind"), "quantity": ("数量", "quantity"), "team": ("所属队伍", "team"),
        "risk_grade": ("风险等级", "risk grade"), "hazard_level": ("重大危险源等级", "major hazard level"),
        "standards": ("适用标准", "standards"), "source": ("来源", "source"), "capability": ("能力", "capability"),
        "max_min": ("时限(分钟)", "time limit (min)"), "site_kinds": ("适用风险点类别", "site kinds"),
        "tiers": ("计入的层级", "tiers counted"), "min_share": ("最低达标比例", "minimum share"),
        "rule": ("规则", "rule"), "document": ("协议(JSON)", "agreement (JSON)"),
        "resource_type": ("力量类型等级", "resource type"), "asset_number": ("固定资产编号", "asset number"),
        "status": ("状态", "status"), "last_inspected": ("上次检查日期", "last inspected"),
        "inspection_days": ("检查周期(天)", "inspection interval (days)"),
        "maintenance_log": ("维修保养记录", "maintenance log"), "role": ("岗位", "role"), "squad": ("小队", "squad"),
        "qualifications": ("资格证书", "qualifications"), "phone": ("联系电话", "phone"),
        "people": ("人员", "people"), "starts": ("开始时间", "starts"), "hours": ("时长(小时)", "hours"),
        "every_h": ("重复周期(小时)", "repeats every (h)"), "until": ("截止时间", "until"), "note": ("备注", "note"),
        "depot": ("储备库", "depot"), "material": ("物资种类", "material"), "unit": ("计量单位", "unit"),
        "unit_price": ("单价(元)", "unit price (yuan)"), "expires": ("有效期至", "expires"),
        "lender": ("出借方", "lender"), "borrower": ("借用方", "borrower"),
        "fixed_cost": ("固定费用(元)", "fixed cost (yuan)"),
        "cost_per_travel_min": ("行驶每分钟费用(元)", "cost per travel minute (yuan)"),
    },
    "audit_action": {
        "create": ("新建", "create"),
        "update": ("修改", "update"),
        "delete": ("删除", "delete"),
        "import": ("导入", "import"),
        "load": ("载入场景", "load"),
        "replace": ("替换场景", "replace"),
    },
    "drill_form": {
        "field": ("实战演练", "field exercise"),
        "tabletop": ("桌面推演", "tabletop exercise"),
    },
    "blackout_applies_to": {  # which drills a blackout window bars (planner.drills.calendar.Blackout.applies_to)
        "all": ("所有演练", "all drills"),
        "field": ("仅实战演练", "field drills only"),
    },
    "drill_scope": {
        "comprehensive": ("综合演练", "comprehensive"),
        "single": ("单项演练", "single"),
    },
    "plan_kind": {  # the plan system of domain.md: 综合预案, 专项预案, 现场处置方案 (planner.drills.plans.PLAN_KINDS)
        "comprehensive": ("综合应急预案", "comprehensive plan"),
        "special": ("专项应急预案", "special plan"),
        "onsite": ("现场处置方案", "on-site response plan"),
    },
    "drill_frequency": {  # how often a plan is drilled (planner.drills.plans.FREQUENCIES; domain.md R-DRILL-*)
        "half-yearly": ("每半年至少一次", "at least every half-year"),
        "yearly": ("每年至少一次", "at least yearly"),
        "biennial": ("每两年至少一次", "at least every two years"),
    },
    "priority": {
        "high": ("高", "high"),
        "medium": ("中", "medium"),
        "low": ("低", "low"),
    },
    "status": {
        "open": ("待办", "open"),
        "in_progress": ("整改中", "in progress"),
        "closed": ("已关闭", "closed"),
        "cancelled": ("已取消", "cancelled"),
        "planned": ("计划中", "planned"),
        "running": ("进行中", "running"),
        "paused": ("已暂停", "paused"),
        "ended": ("已结束", "ended"),
        "optimal": ("最优", "optimal"),
        "feasible": ("可行", "feasible"),
        "infeasible": ("不可行", "infeasible"),
        "not_solved": ("未求解", "not solved"),
    },
    "request_state": {  # planner.requests.model.STATES: a mutual-aid request's flow
        "requested": ("已提出", "requested"),
        "proposed": ("已拟方案", "proposed"),
        "approved": ("已批准", "approved"),
        "escalated": ("已上报", "escalated"),
        **_UNIT_MOVES,
        "claimed": ("已申请补偿", "claimed"),
        "settled": ("已结算", "settled"),
    },
    "unit_status": {  # where a unit of a request stands (planner.requests.service)
        "proposed": ("拟调派", "proposed"),
        "requested": ("已请求", "requested"),
        **_UNIT_MOVES,
    },
    "claim_status": {  # a request's compensation claim (planner.requests.claims)
        "claimed": ("已申请", "claimed"),
        "reviewed": ("已审核", "reviewed"),
        "disputed": ("有异议", "disputed"),
        "paid": ("已支付", "paid"),
    },
    "request_action": {  # planner.requests.model.Action
        "approve": ("批准", "approve"),
        "amend": ("修改方案", "amend"),
        "escalate": ("上报", "escalate"),
        "offer": ("响应调派", "offer"),
        "accept": ("接受", "accept"),
        "decline": ("婉拒", "decline"),
        "depart": ("出发", "depart"),
        "arrive": ("到场", "arrive"),
        "release": ("解除", "release"),
        "return": ("归队", "return"),
        "claim": ("申请补偿", "claim"),
        "review": ("审核", "review"),
        "dispute": ("提出异议", "dispute"),
        "settle": ("结算", "settle"),
    },
    "job_status": {  # a background job's (planner.jobs.runner)
        "queued": ("排队中", "queued"),
        "running": ("运行中", "running"),
        "done": ("已完成", "done"),
        "failed": ("失败", "failed"),
    },
    "map_layer": {  # a layer of the Map page and of its printout (planner.scenario.mapview)
        "roads": ("路网", "road network"),
        "jurisdictions": ("辖区", "jurisdictions"),
        "sites": ("危险源", "hazard sites"),
        "bases": ("救援基地", "bases"),
        "closure": ("封闭区域", "closure areas"),
        "closed": ("封闭道路", "closed roads"),
        "slowed": ("减速道路", "slowed roads"),
    },
    "severity": {  # a drill finding's and improvement action's severity (planner.drills.evaluation.Severity)
        "major": ("严重", "major"),
        "minor": ("一般", "minor"),
    },
}
"""Chinese and English label per coded value, by field: the one table the CLI, the pages and the API
(``GET /api/v1/labels``) show coded values from. Capabilities are open tags: those not listed show as they are."""

LANGUAGES: tuple[str, ...] = ("zh_CN", "en")
"""Languages of the product (the pages, the API's messages): Simplified Chinese first, the default."""



def label(field: str, value: object, language: str | None = None) -> str:
    """``"重大风险 / major (red)"`` for a coded value, or its label in one ``language`` (``zh_CN`` or ``en``).

    The value itself when it has no label (an open tag, a value added later).
    """
    key = value.value if isinstance(value, Enum) else str(value)
    zh_en = LABELS.get(field, {}).get(key)
    if zh_en is None:
        return key
    if language is None:
        return f"{zh_en[0]} / {zh_en[1]}"
    return zh_en[1] if language.startswith("en") else zh_en[0]


def coded(field: str, value: object) -> str:
    """Mark a coded value in a message, to be shown by its display name: ``⟦unit_status:on_scene|on scene⟧``.

    The one way a message names a status, a kind or a role: ``str()`` of the error shows the English
    display name, :func:`shown` the one of the reader's language (the API's, the page's, the terminal's).
    """
    key = value.value if isinstance(value, Enum) else str(value)
    return f"⟦{field}:{key}|{label(field, key, 'en')}⟧"


def shown(text: str, language: str) -> str:
    """Return a message with its coded values (:func:`coded`) shown by their display names in ``language``."""
    return CODED.sub(lambda m: label(m.group(1), m.group(2), language), text)
