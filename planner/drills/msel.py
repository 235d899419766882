"""The master scenario events list (MSEL) of a drill: injects authored, checked, exchanged as CSV and XLSX.

A drill's MSEL starts from its template's scripted injects (:func:`msel_from_template`) and is then edited
by the drill's director and controllers: each inject has its exercise-time offset (minutes after StartEx,
the alarm), who sends it to whom and how (phone, radio, message, in person), the text players receive,
the action players are expected to take, the objective and capability it tests and the controller who
releases it. A *contingency* inject (``contingency_for``) backs up another one and is released only when
players stall; it is never due on its own. A *surprise branch* groups alternative injects (``branch``
with one ``option`` each, e.g. the road bridge is closed / a second casualty group is found): at StartEx
one option of each branch is chosen or drawn (:mod:`planner.drills.conduct`) and only its injects are played.

The list order is the order the author gave (reordering is a new order); injects are due by offset, ties
in list order. :func:`check_msel` refuses duplicate ids, an objective the template does not have, a
contingency of an unknown inject or a branch without options, naming the inject and the field. The CSV
and XLSX forms have one row per inject with the columns of :data:`COLUMNS` (the header row names them, in
any order); XLSX is read and written with ``openpyxl``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from typing import Any, Literal, get_args

import openpyxl
from pydantic import Field

from planner.errors import InputError, NotFoundError
from planner.model.validation import Model, validate
from planner.roads.conditions import CLOSURES_FIELD_HELP, ClosuresField
from planner.scenario.library import Template

Mode = Literal["phone", "radio", "message", "in_person"]
MODES: tuple[str, ...] = get_args(Mode)
MAX_OFFSET_MIN = 7 * 24 * 60
"""Latest inject offset, minutes after StartEx (a week-long exercise)."""
MAX_INJECTS = 500
COLUMNS = ("id", "offset_min", "from", "to", "mode", "text", "expected_action", "objective", "capability",
           "controller", "contingency_for", "branch", "option", "closures")
"""Columns of the CSV and XLSX forms, in the order they are written."""
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class MselInject(Model):
    """One inject of the MSEL: when, from whom to whom, how, what, the expected action and what it tests."""

    id: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
    offset_min: float = Field(ge=0, le=MAX_OFFSET_MIN, allow_inf_nan=False)
    sender: str = Field(default="", alias="from", max_length=200)
    to: str = Field(default="", max_length=200)
    mode: Mode = "message"
    text: str = Field(min_length=1, max_length=4000)
    expected_action: str = Field(default="", max_length=4000)
    objective: str | None = None
    capability: str = Field(default="", max_length=80)
    controller: str = Field(default="", max_length=80)
    contingency_for: str | None = None
    branch: str | None = Field(default=None, max_length=40)
    option: str | None = Field(default=None, max_length=40)
    closures: ClosuresField | None = Field(
        default=None, description=CLOSURES_FIELD_HELP + " from this inject's offset in the drill's simulation "
                                                        "(planner.drills.msel_roads)")


class Msel(Model):
    """A drill's MSEL: its injects in the author's order."""

    injects: tuple[MselInject, ...] = Field(max_length=MAX_INJECTS)

    def inject(self, inject_id: str) -> MselInject:
        """Return one inject; ``NotFoundError`` naming ``inject`` when the MSEL has none of that id."""
        for inject in self.injects:
            if inject.id == inject_id:
                return inject
        raise NotFoundError(f"the MSEL has no inject {inject_id!r}", field="inject", record=inject_id)

    def branches(self) -> dict[str, list[str]]:
        """Return each surprise branch with its options, in the author's order."""
        out: dict[str, list[str]] = {}
        for inject in self.injects:
            if inject.branch is not None and inject.option is not None:
                options = out.setdefault(inject.branch, [])
                if inject.option not in options:
                    options.append(inject.option)
        return out

    def played(self, chosen: Mapping[str, str]) -> list[MselInject]:
        """Return the injects played in order of offset: not contingencies, and of a branch only the chosen option."""
        order = {inject.id: k for k, inject in enumerate(self.injects)}
        active = [i for i in self.injects if i.contingency_for is None
                  and (i.branch is None or chosen.get(i.branch) == i.option)]
        return sorted(active, key=lambda i: (i.offset_min, order[i.id]))


def msel_from_template(template: Template) -> Msel:
    """Return the MSEL a drill starts from: the template's injects, each with its title and message as text."""
    return Msel(injects=tuple(
        MselInject.model_validate({"id": i.id, "offset_min": i.at_min, "mode": "message",
                                   "text": f"{i.title}: {i.message}" if i.title else i.message,
                                   "expected_action": "; ".join(i.expected_actions), "objective": i.objective,
                                   "capability": _capability(template, i.objective), "branch": i.branch,
                                   "option": i.option})
        for i in template.injects))


def _capability(template: Template, objective: str | None) -> str:
    for o in template.objectives:
        if o.id == objective:
            return o.capability
    return ""


def check_msel(data: Any, template: Template, *, where: str = "msel") -> Msel:
    """Validate an MSEL against its drill's template; ``InputError`` naming the inject and the field."""
    msel = validate(Msel, data, what=where)
    objectives = {o.id for o in template.objectives}
    ids = [i.id for i in msel.injects]
    seen: set[str] = set()
    for inject in msel.injects:
        here = f"{where}: inject {inject.id}"
        if inject.id in seen:
            raise InputError(f"{here}: duplicate id", field="id", record=inject.id)
        seen.add(inject.id)
        if inject.objective is not None and inject.objective not in objectives:
            raise InputError(f"{here}: objective {inject.objective!r} is not one of the drill's objectives "
                             f"({', '.join(sorted(objectives))})", field="objective", record=inject.id)
        if inject.contingency_for is not None:
            if inject.contingency_for not in ids or inject.contingency_for == inject.id:
                raise InputError(f"{here}: contingency_for {inject.contingency_for!r} is not another inject of the "
                                 "MSEL", field="contingency_for", record=inject.id)
        if (inject.branch is None) != (inject.option is None):
            raise InputError(f"{here}: a surprise branch needs both branch and option", field="option",
                             record=inject.id)
    for branch, options in msel.branches().items():
        if len(options) < 2:
            raise InputError(f"{where}: branch {branch!r} needs at least two options, has {options}",
                             field="branch", record=branch)
    return msel


# ----------------------------------------------------------------------------------------------------
# CSV and XLSX


def _row(inject: MselInject) -> list[Any]:
    data = inject.to_json()
    if isinstance(data.get("closures"), dict):
        data["closures"] = json.dumps(data["closures"], separators=(",", ":"))  # a drawn area: GeoJSON text
    return ["" if data.get(column) is None else data[column] for column in COLUMNS]


def msel_csv(msel: Msel) -> str:
    """Return the MSEL as CSV text, one row per inject under the :data:`COLUMNS` header."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(_row(inject) for inject in msel.injects)
    return out.getvalue()


def _rows_to_injects(header: Iterable[Any], rows: Iterable[tuple[int, Iterable[Any]]], where: str) -> dict[str, Any]:
    names = [str(h or "").strip() for h in header]
    missing = [c for c in ("id", "offset_min", "text") if c not in names]
    if missing:
        raise InputError(f"{where}: the header must name the columns id, offset_min and text (missing: "
                         f"{', '.join(missing)})", field="header")
    unknown = [n for n in names if n and n not in COLUMNS]
    if unknown:
        raise InputError(f"{where}: unknown column {unknown[0]!r} (known: {', '.join(COLUMNS)})", field="header")
    injects = []
    for line, cells in rows:
        values = {name: ("" if value is None else str(value).strip()) for name, value in zip(names, cells, strict=False)
                  if name}
        if not any(values.values()):
            continue
        item: dict[str, Any] = {k: v for k, v in values.items() if v != ""}
        try:
            item["offset_min"] = float(values.get("offset_min", ""))
        except ValueError:
            raise InputError(f"{where} line {line}: offset_min must be minutes, got {values.get('offset_min')!r}",
                             field="offset_min", record=values.get("id")) from None
        if item.get("closures", "").startswith("{"):
            try:
                item["closures"] = json.loads(item["closures"])
            except ValueError:
                raise InputError(f"{where} line {line}: closures must be a closure set's name or GeoJSON text",
                                 field="closures", record=values.get("id")) from None
        injects.append(item)
    return {"injects": injects}


def parse_msel_csv(text: str, *, where: str = "MSEL CSV") -> dict[str, Any]:
    """Read the CSV form into MSEL data (check it with :func:`check_msel`); ``InputError`` names the line."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if header is None:
        raise InputError(f"{where}: the file is empty", field="header")
    return _rows_to_injects(header, enumerate(reader, start=2), where)


def msel_xlsx(msel: Msel) -> bytes:
    """Return the MSEL as an XLSX workbook (one sheet, ``MSEL``); needs ``openpyxl``."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "MSEL"
    sheet.append(list(COLUMNS))
    for inject in msel.injects:
        sheet.append(_row(inject))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def parse_msel_xlsx(data: bytes, *, where: str = "MSEL XLSX") -> dict[str, Any]:
    """Read the first sheet of an XLSX workbook into MSEL data; ``InputError`` when it is not a workbook."""
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001  (openpyxl raises zipfile, KeyError and its own errors for a bad file)
        raise InputError(f"{where}: not an XLSX workbook", field="file") from None
    rows = book.worksheets[0].iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        raise InputError(f"{where}: the sheet is empty", field="header")
    return _rows_to_injects(header, enumerate(rows, start=2), where)
