"""The compensation claim of a request, generated on return from the one ledger function, and its exports.

What the lenders are paid is :func:`planner.sharing.build_ledger` over the deployments the request really
gave rise to: each returned team's members for the hours from its departure to its return (a part day
charged as a day), its carried kit the agreement rates, the road kilometres there and back, one trip,
built by :func:`planner.dispatch.pricing.team_deployment` exactly as the optimiser priced it at the
expected duration. The terms (own forces, agreement), the rates and the payer (R-COST's rules, first
match wins) are the ledger's. A claim is then reviewed, disputed with a note, and marked paid; claims
export as CSV (the ledger's columns) and PDF, per payer.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from reportlab.lib.pagesizes import A4, landscape
from reportlab.platypus import Paragraph, Spacer

from planner.dispatch.pricing import incident_mission, jurisdiction_parents, team_deployment
from planner.errors import InputError
from planner.pdf import PageHeader, build_pdf, escape, pdf_styles, pdf_table
from planner.scenario.model import Scenario
from planner.sharing import CSV_COLUMNS, agreements_from_dicts, build_ledger, deployment_terms

CLAIM_CSV_COLUMNS: tuple[str, ...] = ("request", "status", *CSV_COLUMNS)
"""Columns of the claims CSV: the request, the claim's status, then the ledger's columns."""


def hours_between(start: str, end: str) -> float:
    """Hours from one stored ISO moment to another (never below zero)."""
    return max(0.0, (dt.datetime.fromisoformat(end) - dt.datetime.fromisoformat(start)).total_seconds() / 3600.0)


def generate_claim(scenario: Scenario, request: Mapping[str, Any]) -> dict[str, Any]:
    """Return the claim of a request whose units have returned: the ledger of their deployments, with its payer.

    Raises
    ------
    InputError
        A returned unit's deployment crosses a border without an agreement (the ledger refuses it), or no
        unit has returned.

    """
    returned = [u for u in request["units"] if u["status"] == "returned"]
    if not returned:
        raise InputError(f"request {request['id']}: no unit has returned, so there is nothing to claim", field="action")
    agreements = agreements_from_dicts(scenario.agreements)
    parents = jurisdiction_parents(scenario)
    region = request["proposal"]["region"]
    incident = request["incident"]
    deployments = []
    for unit in returned:
        terms = deployment_terms(agreements, unit["lender"], region, parents=parents)
        if terms is None:
            raise InputError(f"unit {unit['unit']} of {unit['lender']} served {region} without a sharing agreement "
                             "(R-AGREEMENT)", field="units", record=unit["unit"])
        deployment, _ = team_deployment(scenario, unit["unit"], terms,
                                        hours_between(unit["departed_at"], unit["returned_at"]), unit["route_km"])
        deployments.append(deployment)
    mission = incident_mission(scenario, str(request["id"]), region, deployments,
                               responsible_unit=incident.get("responsible_unit") or "",
                               responsible_can_pay=bool(incident.get("responsible_can_pay", True)),
                               kind="drill" if request.get("drill") else "accident")
    ledger = build_ledger([mission], agreements, parents=parents).to_dict()
    payers = sorted(ledger["totals_by_payer"])
    return {"status": "claimed", "lines": ledger["lines"], "excluded": ledger["excluded"],
            "totals_by_payer": ledger["totals_by_payer"], "total": ledger["total"], "payers": payers,
            "deployments": [{"unit": d.unit, "lender": d.lender, "people": d.people, "duration_h": d.duration_h,
                             "days": d.days, "transport_km": d.transport_km, "equipment": dict(d.equipment)}
                            for d in deployments],
            "notes": []}


def claims_csv(requests: Iterable[Mapping[str, Any]], payer: str | None = None) -> str:
    """Return the claims' ledger lines as CSV (one row per line), only ``payer``'s when given."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CLAIM_CSV_COLUMNS)
    for request in requests:
        claim = request.get("claim")
        if not claim:
            continue
        for line in claim["lines"]:
            if payer is None or line["payer"] == payer:
                writer.writerow([request["id"], claim["status"], *[_cell(c, line[c]) for c in CSV_COLUMNS]])
    return buffer.getvalue()


def _cell(column: str, value: Any) -> str:
    if column == "amount":
        return f"{float(value):.2f}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def claims_pdf(requests: Sequence[Mapping[str, Any]], payer: str | None = None, *, title: str = "",
               agency: str = "") -> bytes:
    """Return the claims as a PDF: per payer, each claim's lines and its total.

    Laid out by :mod:`planner.pdf` on landscape A4 (the lines have twelve columns): the CJK font embedded,
    the agency and title in the header of every page, page numbers, the tables' header rows repeated.
    """
    styles = pdf_styles()
    page = landscape(A4)
    heading = "补偿申请 / Compensation claims"
    story: list[Any] = [Paragraph(heading + (f": {escape(title)}" if title else ""), styles["Title"])]
    by_payer: dict[str, list[tuple[Mapping[str, Any], dict[str, Any]]]] = {}
    for request in requests:
        claim = request.get("claim")
        for line in (claim or {}).get("lines", []):
            if payer is None or line["payer"] == payer:
                by_payer.setdefault(line["payer"], []).append((request, line))
    if not by_payer:
        story.append(Paragraph(escape("无申请 No claim" + (f" for {payer}" if payer else "") + "."),
                               styles["BodyText"]))
    for name, rows in sorted(by_payer.items()):
        total = round(sum(float(line["amount"]) for _, line in rows), 2)
        story += [Paragraph(escape(f"支付方 Payer {name}: {total:.2f} 元 yuan"), styles["Heading2"]),
                  pdf_table([["申请 request", "状态 status", "队伍 unit", "出借方 lender", "科目 line", "项目 item",
                              "数量 qty", "单价 rate", "天数 days", "金额 amount", "协议 agreement", "规则 rule"],
                             *[[r["id"], r["claim"]["status"], line["unit"], line["lender"], line["line"],
                                line["item"], _cell("quantity", line["quantity"]), _cell("rate", line["rate"]),
                                line["days"], _cell("amount", line["amount"]), line["agreement"], line["rule"]]
                               for r, line in rows]], styles, pagesize=page, font_size=7.5),
                  Spacer(1, 8)]
    return build_pdf(story, PageHeader(heading, agency=agency, scenario=title), pagesize=page)
