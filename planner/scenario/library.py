"""Incident templates (drill scenarios): load ``scenarios/library/*.yaml`` and validate them against ``schema.json``.

A template says what an incident of one type needs over time (capability quantities from ``at_min``, and
reserve materials such as foam concentrate by ``at_min``), how it may escalate, how weather and time of day
change travel and turn-out, which on-scene tasks are underground (R-TEAM-MINE: committed plus standby
squad), the measurable objectives of a drill and the scripted injects of its master scenario events list
(MSEL), some of them alternatives of a surprise branch (``branch`` and ``option``: one option of each branch
is played). Validation uses a small built-in checker
of the JSON Schema keywords ``schema.json`` uses (the ``jsonschema`` package is used instead when it is
installed), then cross-checks what a schema cannot (objective ids named by injects, unique ids).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planner.errors import InputError
from planner.model.reading import parse_yaml, read_text
from planner.scenario.paths import SCENARIOS_DIR

LIBRARY_DIR = SCENARIOS_DIR / "library"
"""The shipped incident template library."""


@dataclass(frozen=True)
class NeedStep:
    """``quantity`` units of ``capability`` needed from ``at_min`` minutes after the alarm."""

    at_min: float
    capability: str
    quantity: int
    team_type: str | None = None


@dataclass(frozen=True)
class MaterialStep:
    """``quantity`` ``unit`` of a reserve ``material`` needed on scene by ``at_min`` minutes after the alarm."""

    at_min: float
    material: str
    quantity: int
    unit: str


@dataclass(frozen=True)
class Escalation:
    """With ``probability``, at ``at_min`` the incident grows and needs ``adds`` on top."""

    at_min: float
    probability: float
    description: str
    adds: tuple[NeedStep, ...]


@dataclass(frozen=True)
class Task:
    """An on-scene task of ``duration_min`` done by ``capability``; underground tasks need a standby squad."""

    name: str
    capability: str
    duration_min: float
    underground: bool


@dataclass(frozen=True)
class Objective:
    """A measurable objective: first arrival of a capability, or ``quantity`` of it assembled, by ``target_min``."""

    id: str
    text: str
    metric: str
    capability: str
    target_min: float
    quantity: int = 1


@dataclass(frozen=True)
class Inject:
    """A scripted event at ``at_min`` with the actions players are expected to take and evaluator notes."""

    id: str
    at_min: float
    title: str
    message: str
    expected_actions: tuple[str, ...]
    evaluator_notes: str = ""
    objective: str | None = None
    branch: str | None = None
    """A surprise branch this inject is one alternative of (its ``option``); one option is played."""
    option: str | None = None


@dataclass(frozen=True)
class Template:
    """One incident template of the library."""

    id: str
    name: str
    name_zh: str
    category: str
    site_kinds: tuple[str, ...]
    underground: bool
    flood_related: bool
    source: str
    description: str
    requirements: tuple[NeedStep, ...]
    escalation: tuple[Escalation, ...]
    effects: Mapping[str, Mapping[str, Mapping[str, float]]]
    tasks: tuple[Task, ...]
    objectives: tuple[Objective, ...]
    injects: tuple[Inject, ...]
    materials: tuple[MaterialStep, ...] = ()
    card_trigger: str = ""
    """What triggers the key-post response card (岗位应急处置卡), in the card's language."""
    card_actions: tuple[str, ...] = ()
    """The card's first actions, in order."""

    def factor(self, group: str, condition: str | None, which: str) -> float:
        """Return the ``travel_factor`` or ``turnout_factor`` of a weather or time-of-day condition (1 when none)."""
        if not condition:
            return 1.0
        return float(self.effects.get(group, {}).get(condition, {}).get(which, 1.0))


def schema() -> dict[str, Any]:
    """Return the JSON Schema of a template."""
    return json.loads((LIBRARY_DIR / "schema.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def validate(data: Any, where: str) -> None:
    """Raise ``InputError`` naming the file and the JSON path of the first schema violation."""
    problems = _check(data, schema(), schema(), "")
    if problems:
        path, message = problems[0]
        raise InputError(f"{where}: {path or 'template'}: {message}", field=path or "template",
                         record=str(data.get("id", "?")) if isinstance(data, dict) else "?")


_TYPES: dict[str, Any] = {
    "object": dict, "array": list, "string": str, "boolean": bool, "integer": int, "number": (int, float),
}


def _check(value: Any, rule: Mapping[str, Any], root: Mapping[str, Any], path: str) -> list[tuple[str, str]]:
    """Problems of ``value`` against the subset of JSON Schema the library schema uses."""
    if "$ref" in rule:
        name = str(rule["$ref"]).rsplit("/", 1)[-1]
        return _check(value, root["$defs"][name], root, path)
    wanted = rule.get("type")
    if wanted is not None:
        ok = isinstance(value, _TYPES[wanted]) and not (wanted in ("integer", "number") and isinstance(value, bool))
        if not ok:
            return [(path, f"must be {wanted}, got {value!r}")]
    if "enum" in rule and value not in rule["enum"]:
        return [(path, f"must be one of {', '.join(map(str, rule['enum']))}, got {value!r}")]
    if isinstance(value, str):
        if len(value) < rule.get("minLength", 0):
            return [(path, "must not be empty")]
        if "pattern" in rule and not re.search(rule["pattern"], value):
            return [(path, f"must match {rule['pattern']}, got {value!r}")]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in rule and value < rule["minimum"]:
            return [(path, f"must be >= {rule['minimum']}, got {value}")]
        if "maximum" in rule and value > rule["maximum"]:
            return [(path, f"must be <= {rule['maximum']}, got {value}")]
        if "exclusiveMinimum" in rule and value <= rule["exclusiveMinimum"]:
            return [(path, f"must be > {rule['exclusiveMinimum']}, got {value}")]
    problems: list[tuple[str, str]] = []
    if isinstance(value, dict):
        for name in rule.get("required", ()):
            if name not in value:
                problems.append((f"{path}.{name}".lstrip("."), "is required"))
        properties = rule.get("properties", {})
        extra = rule.get("additionalProperties", True)
        for name, item in value.items():
            sub = f"{path}.{name}".lstrip(".")
            if name in properties:
                problems += _check(item, properties[name], root, sub)
            elif extra is False:
                problems.append((sub, "unknown field"))
            elif isinstance(extra, dict):
                problems += _check(item, extra, root, sub)
    if isinstance(value, list):
        if len(value) < rule.get("minItems", 0):
            problems.append((path, f"needs at least {rule['minItems']} item(s)"))
        if "items" in rule:
            for k, item in enumerate(value):
                problems += _check(item, rule["items"], root, f"{path}[{k}]")
    return problems


def parse_template(data: Any, *, where: str = "template") -> Template:
    """Validate one template's data and build the record."""
    validate(data, where)

    def steps(items: Any) -> tuple[NeedStep, ...]:
        return tuple(NeedStep(float(s.get("at_min", 0)), s["capability"], int(s["quantity"]), s.get("team_type"))
                     for s in items)

    objectives = tuple(Objective(o["id"], o["text"], o["metric"], o["capability"], float(o["target_min"]),
                                 int(o.get("quantity", 1))) for o in data["objectives"])
    injects = tuple(Inject(i["id"], float(i["at_min"]), i["title"], i["message"], tuple(i["expected_actions"]),
                           i.get("evaluator_notes", ""), i.get("objective"), i.get("branch"), i.get("option"))
                    for i in data["injects"])
    known = {o.id for o in objectives}
    for ids, what in (([o.id for o in objectives], "objectives"), ([i.id for i in injects], "injects")):
        duplicates = {x for x in ids if ids.count(x) > 1}
        if duplicates:
            raise InputError(f"{where}: {what}: duplicate id {sorted(duplicates)[0]!r}", field=what, record=data["id"])
    for inject in injects:
        if inject.objective is not None and inject.objective not in known:
            raise InputError(f"{where}: injects {inject.id}: objective {inject.objective!r} does not exist",
                             field="objective", record=data["id"])
    return Template(
        id=data["id"], name=data["name"], name_zh=data.get("name_zh", ""), category=data["category"],
        site_kinds=tuple(data["site_kinds"]), underground=bool(data["underground"]),
        flood_related=bool(data["flood_related"]), source=data["source"], description=data.get("description", ""),
        requirements=tuple(sorted(steps(data["requirements"]), key=lambda s: s.at_min)),
        escalation=tuple(Escalation(float(e["at_min"]), float(e["probability"]), e["description"], steps(e["adds"]))
                         for e in data.get("escalation", ())),
        effects={group: {k: dict(v) for k, v in conditions.items()}
                 for group, conditions in data.get("effects", {}).items()},
        tasks=tuple(Task(t["name"], t["capability"], float(t["duration_min"]), bool(t["underground"]))
                    for t in data.get("tasks", ())),
        objectives=objectives,
        injects=tuple(sorted(injects, key=lambda i: i.at_min)),
        materials=tuple(MaterialStep(float(m["at_min"]), m["material"], int(m["quantity"]), m["unit"])
                        for m in data.get("materials", ())),
        card_trigger=data.get("card", {}).get("trigger", ""),
        card_actions=tuple(data.get("card", {}).get("first_actions", ())),
    )


def read_template(path: str | Path) -> Template:
    """Read and validate one template file (YAML or JSON)."""
    path = Path(path)
    data = parse_yaml(read_text(path), path.name, field="file")
    template = parse_template(data, where=path.name)
    if template.id != path.stem:
        raise InputError(f"{path.name}: id {template.id!r} must equal the file name", field="id", record=template.id)
    return template


def load_library(folder: str | Path | None = None) -> dict[str, Template]:
    """Every template of a library folder (default: the shipped one), by id.

    Templates are read again only when a file of the folder changed (name, size or modification time): a
    live exercise asks for its template with every poll, and reading the YAML takes most of a second.
    """
    folder = Path(folder) if folder is not None else LIBRARY_DIR
    files = sorted([*folder.glob("*.yaml"), *folder.glob("*.json")])
    stamp = tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in files)
    cached = _LOADED.get(folder)
    if cached is None or cached[0] != stamp:
        templates = [read_template(p) for p in files if p.name != "schema.json"]
        cached = (stamp, {t.id: t for t in templates})
        _LOADED[folder] = cached
    return dict(cached[1])


_LOADED: dict[Path, tuple[tuple[tuple[str, int, int], ...], dict[str, Template]]] = {}
"""Templates read from each folder, with the files' (name, size, mtime) they were read from."""
