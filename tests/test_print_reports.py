"""Reports for filing: A4, the CJK font embedded, Chinese text extractable, header and page numbers on every page."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pypdf
import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4

from planner.cli import main
from planner.coverage.printout import TITLE, coverage_html, coverage_map, coverage_pdf
from planner.coverage.verdict import coverage
from planner.dispatch.printout import TITLE as DISPATCH_TITLE
from planner.drills.calendar_export import to_pdf
from planner.drills.evaluation import evaluate_drill, parse_observed
from planner.drills.records import parse_programme
from planner.drills.reports import aar_pdf, drill_figure, evaluation_html, report_pdf, summary_html
from planner.mapfigure import METRES_PER_DEGREE
from planner.pdf import PageHeader, build_pdf, pdf_styles, pdf_table
from planner.requests.claims import claims_pdf
from planner.scenario.files import read_scenario
from planner.scenario.library import load_library
from planner.scenario.mapview import map_view
from tests.browser import ARTIFACTS
from tests.conftest import MINI

ARTEFACTS = ARTIFACTS / "pdf"
TIMELINE = "time,event,team\n09:00,alarm,\n09:04,dispatched,sq1\n09:05,departed,sq1\n09:32,arrived,sq1\n"


def embedded_fonts(reader: pypdf.PdfReader) -> dict[str, bool]:
    """Every font the pages use: base name -> whether its file is in the PDF (FontFile, FontFile2 or FontFile3)."""
    found: dict[str, bool] = {}
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            descriptors = [font.get("/FontDescriptor")] + [d.get_object().get("/FontDescriptor")
                                                           for d in font.get("/DescendantFonts", [])]
            files = [k for d in descriptors if d is not None for k in d.get_object()
                     if k in ("/FontFile", "/FontFile2", "/FontFile3")]
            found[str(font["/BaseFont"])] = bool(files)
    return found


def check_print_layout(pdf: bytes, title: str, header: str) -> pypdf.PdfReader:
    """Assert what every filed report needs, and return the reader for more checks."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    fonts = embedded_fonts(reader)
    cjk = [name for name in fonts if "WenQuanYi" in name]
    assert cjk and all(fonts[name] for name in cjk), fonts  # the CJK font is in the file
    assert all(embedded or name.lstrip("/") in ("Helvetica", "Helvetica-Bold", "Times-Roman")
               for name, embedded in fonts.items()), fonts  # nothing else but PDF's standard Latin fonts
    total = len(reader.pages)
    for number, page in enumerate(reader.pages, start=1):
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert sorted((round(width), round(height))) == [round(A4[0]), round(A4[1])]  # A4, either way up
        text = page.extract_text()
        assert header in text and f"第 {number} / {total} 页" in text, (number, text[-200:])
    assert title in reader.pages[0].extract_text() and reader.metadata.title == title
    return reader


@pytest.fixture(scope="module")
def cjk_available() -> None:
    if not Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc").is_file():
        pytest.skip("fonts-wqy-zenhei is not installed (make install installs it)")


def test_coverage_report_breaks_its_gap_table_across_pages(cjk_available: None) -> None:
    scenario = read_scenario("shanxi-coal")
    report = coverage(scenario)
    pdf = coverage_pdf(report, scenario, agency="山西省应急管理厅")
    reader = check_print_layout(pdf, TITLE, "山西省应急管理厅 · 山西煤矿与矿山救援力量覆盖")
    assert len(reader.pages) >= 2 and len(report.gaps) > 15
    pages = [page.extract_text() for page in reader.pages]
    first = next(n for n, text in enumerate(pages) if "缺口清单 Gap list" in text)
    assert len(pages) - first >= 2  # the gap table runs over pages
    assert all("站点 site" in text and "差距" in text for text in pages[first:])  # its header row on each
    text = "".join(pages)
    for gap in report.gaps:  # every gap row printed, none lost at a page break
        assert f"({gap.site})" in text
    assert "重大风险" in text or "低风险" in text
    assert "覆盖图 Map" in pages[0] and "© OpenStreetMap contributors" in text  # the map figure, attributed
    render(pdf, "coverage-report")


def test_coverage_map_figure_places_sites_and_furniture() -> None:
    """The figure draws each site where its lon/lat falls and colours it by the gap list, in SVG and in PDF."""
    scenario = read_scenario(MINI)
    report = coverage(scenario)
    figure = coverage_map(report, scenario)
    failing = {g.site for g in report.gaps}
    layers = {layer.label: layer for layer in figure.layers}
    assert len(layers["缺口 Sites on the gap list"].shapes) == len(failing) > 0
    west = min(report.sites, key=lambda r: r.lon)
    east = max(report.sites, key=lambda r: r.lon)
    assert figure.point(west.lon, west.lat)[0] < figure.point(east.lon, east.lat)[0]  # east is to the right
    for row in report.sites:
        x, y = figure.point(row.lon, row.lat)
        assert 0 <= x <= figure.width and 0 <= y <= figure.height
    svg = figure.svg()
    ElementTree.fromstring(svg)  # well-formed
    assert "© OpenStreetMap contributors" in svg and ">N</text>" in svg and " km<" in svg or " m<" in svg
    length, label = figure.scale_bar()
    metres = float(label.split()[0]) * (1000 if label.endswith("km") else 1)
    assert length == pytest.approx(metres / METRES_PER_DEGREE * figure._frame[3])
    html = coverage_html(report, scenario, agency="济南市应急管理局")
    assert "<svg" in html and "@page { size: A4" in html and html.count("<tr>") >= len(report.gaps) + 1


def test_long_table_repeats_its_header_and_keeps_rows_whole(cjk_available: None) -> None:
    styles = pdf_styles()
    rows = [["编号 no.", "说明 text"], *[[f"R{i:03d}", f"第{i}行 救援队伍到达时间核查 row {i}"] for i in range(150)]]
    reader = check_print_layout(build_pdf([pdf_table(rows, styles, widths=[1, 4])], PageHeader("长表 Long table")),
                                "长表 Long table", "长表 Long table")
    pages = [page.extract_text() for page in reader.pages]
    assert len(pages) >= 3 and all("编号 no." in text for text in pages)
    for i in range(150):
        holding = [text for text in pages if f"R{i:03d}" in text]
        assert len(holding) == 1 and f"第{i}行" in holding[0]  # each row whole, on exactly one page


def test_drill_reports_carry_the_scenario_header(cjk_available: None) -> None:
    events = parse_observed(TIMELINE)
    evaluation = evaluate_drill("D7", load_library()["mine-flooding"], events, {"sq1": {"mine_rescue_squad": 1}},
                                turnout_min={"sq1": 1.0})
    actions: list[Any] = []
    pdf = report_pdf(evaluation, actions, agency="济南市应急管理局", scenario="测试小区域")
    check_print_layout(pdf, "演练评估报告 / Drill evaluation report D7", "济南市应急管理局 · 测试小区域")
    aar = aar_pdf(evaluation, actions, notes=[], capabilities={}, expected={}, scenario="测试小区域")
    check_print_layout(aar, "行动后报告 / After-action report D7", "测试小区域 · 行动后报告")


def test_coverage_pdf_from_the_api_and_the_cli(cjk_available: None, client: Any, auth: Any, cli_env: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    auth.login("planner")
    answer = client.get("/api/v1/scenarios/mini/coverage/report.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    check_print_layout(answer.get_data(), TITLE, "测试小区域")
    out = cli_env / "coverage.pdf"
    assert main(["coverage", "--scenario", str(MINI), "--pdf", str(out)]) == 0
    check_print_layout(out.read_bytes(), TITLE, "测试小区域")
    assert main(["coverage", "--scenario", str(MINI), "--pdf", str(out), "--close-base", "B1"]) == 2
    assert "--pdf" in capsys.readouterr().err


def render(pdf: bytes, name: str) -> None:
    """Keep the PDF and its first page as PNG (pdftoppm, when poppler-utils is installed) as test artefacts."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / f"{name}.pdf"
    path.write_bytes(pdf)
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        return
    subprocess.run([pdftoppm, "-png", "-r", "60", "-f", "1", "-l", "1", str(path), str(ARTEFACTS / name)],
                   check=True, timeout=60)
    assert any(ARTEFACTS.glob(f"{name}*.png"))


def test_drill_programme_pdf_lists_every_drill_on_numbered_pages(cjk_available: None) -> None:
    drill = {"form": "field", "scope": "single", "scenario": "chemical-fire-explosion", "plans": ["refinery-onsite"],
             "teams": ["ent-refinery-fire"], "site": "site-refinery", "owner": "org-refinery", "satisfies": []}
    drills = [{**drill, "id": f"d{k:02d}", "date": f"2026-{1 + k % 12:02d}-{1 + k % 28:02d}",
               "form": "tabletop" if k % 2 else "field"} for k in range(60)]
    programme = parse_programme({"year": 2026, "drills": drills, "timezone": "Asia/Shanghai",
                                 "unmet": [{"rule": "R-DRILL-2", "plan": "p9", "reason": "no free day"}]})
    pdf = to_pdf(programme, agency="济南市应急管理局", scenario="济南市")
    reader = check_print_layout(pdf, "2026 年度应急演练计划 / Drill programme 2026", "济南市应急管理局 · 济南市")
    text = "".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) >= 2 and all("日期" in page.extract_text() for page in reader.pages)  # header row
    assert text.count("危化品火灾爆炸") == 60 and "实战演练" in text and "桌面推演" in text  # labels, not slugs
    assert "2026-01-01" in text and "field" not in text  # dates whole, no slug
    assert "R-DRILL-2 p9: no free day" in text
    render(pdf, "drill-programme")


def test_dispatch_summary_pdf_carries_the_plan_and_its_ledger(cjk_available: None, cli_env: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """The three Jinan incidents whose plan borrows provincial teams, so the ledger has lines to print."""
    out = cli_env / "dispatch.pdf"
    incidents = ["117.108,36.702,chemical-fire-explosion,5", "117.0,36.66,high-rise-fire",
                 "117.145,36.73,toxic-release,4"]
    assert main(["dispatch", "--scenario", "jinan", *[a for text in incidents for a in ("--incident", text)],
                 "--json", "--pdf", str(out), "--html", str(cli_env / "dispatch.html")]) == 0
    run = json.loads(capsys.readouterr().out)
    reader = check_print_layout(out.read_bytes(), DISPATCH_TITLE, "应急救援调度方案")
    text = "".join(page.extract_text() for page in reader.pages)
    assert "高层建筑火灾" in text and "危化品火灾爆炸" in text  # incident types by their Chinese names
    for assignment in run["optimal"]["assignments"]:
        assert assignment["unit"] in text
    lines = run["ledger"]["lines"]
    assert lines and f"合计 Total: {run['ledger']['total']:.2f}" in text
    for line in lines:
        assert f"{line['amount']:.2f}" in text
    materials = run["optimal"]["materials"]
    assert materials and "物资 Materials" in text and all(m["stock"] in text.replace("\n", "") for m in materials)
    assert "留守力量 Held back (retained minimums)" in text and "最低保留" in text
    html = (cli_env / "dispatch.html").read_text(encoding="utf-8")
    for heading in ("物资 Materials", "留守力量 Held back (retained minimums)", "补偿台账 Compensation ledger"):
        assert f"<h2>{heading}</h2>" in html
    assert f"合计 Total: {run['ledger']['total']:.2f}" in html
    render(out.read_bytes(), "dispatch-summary")
    assert main(["dispatch", "--problem", "x.json", "--pdf", str(out)]) == 2


def test_coverage_report_page_and_printable_map(cjk_available: None, client: Any, auth: Any) -> None:
    """The HTML report, the printable map page (A4 landscape print CSS) and its PDF, linked from the Coverage page."""
    auth.login("viewer")
    page = client.get("/coverage?scenario=mini").get_data(as_text=True)
    for link in ("print-map-link", "report-html", "report-pdf", "export-gpkg"):
        assert f'id="{link}"' in page
    report = client.get("/coverage/report?scenario=mini")
    text = report.get_data(as_text=True)
    assert report.status_code == 200 and TITLE in text and "© OpenStreetMap contributors" in text and "<svg" in text
    printable = client.get("/coverage/print?scenario=mini&standard=fire-5")
    html = printable.get_data(as_text=True)
    assert printable.status_code == 200 and "size: A4 landscape" in html and "@media print" in html
    gaps = [g for g in coverage(read_scenario(MINI)).gaps if g.standard == "fire-5"]
    assert html.count("</tr>") == len(gaps) + 1 and all(f"({g.site})" in html for g in gaps)
    assert "覆盖图" in html and "© OpenStreetMap contributors" in html and "服务范围 Service areas" in html
    pdf = client.get("/coverage/print?scenario=mini&standard=fire-5&format=pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    reader = check_print_layout(pdf.get_data(), "覆盖图 Coverage map · 测试小区域 · fire-5 · " +
                                pypdf.PdfReader(io.BytesIO(pdf.get_data())).metadata.title.rsplit(" · ", 1)[1],
                                "测试小区域")
    page_box = reader.pages[0].mediabox
    assert float(page_box.width) > float(page_box.height)  # landscape
    assert "© OpenStreetMap contributors" in reader.pages[0].extract_text()
    render(pdf.get_data(), "coverage-map")
    unknown = client.get("/coverage/print?scenario=mini&standard=nope")
    assert unknown.status_code == 400 and "standard" in unknown.get_data(as_text=True)


def test_claims_pdf_has_the_filing_layout_on_landscape_pages(cjk_available: None) -> None:
    """Forty claim lines of two payers: header and page numbers on every landscape page, every line printed."""
    lines = [{"payer": f"government:{'licheng' if i % 2 else 'lixia'}", "unit": f"T{i}", "lender": "shandong",
              "line": "labour", "item": "person-days", "quantity": 6, "rate": 330.0, "days": 1,
              "amount": 1980.0 + i, "agreement": "SD-LC", "rule": "R-COMP"} for i in range(40)]
    pdf = claims_pdf([{"id": "REQ-1", "claim": {"status": "paid", "lines": lines}}], title="历城区",
                     agency="济南市应急管理局")
    reader = check_print_layout(pdf, "补偿申请 / Compensation claims", "济南市应急管理局 · 历城区")
    text = "".join(page.extract_text() for page in reader.pages)
    assert all(f"{1980.0 + i:.2f}" in text for i in range(40)) and "支付方 Payer government:licheng" in text
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)


BBOX = "bbox=116.95,36.62,117.15,36.72"
MAP_VIEW = f"{BBOX}&layers=roads,jurisdictions,sites,bases"


def test_map_view_prints_as_pdf_with_its_chinese_title(cjk_available: None, client: Any, auth: Any) -> None:
    """The Map page's view as an A4 PDF page: the CJK font embedded, the title (scenario, 地图, time) extractable."""
    auth.login("viewer")
    answer = client.get(f"/api/v1/scenarios/mini/map.pdf?{BBOX}&layers=jurisdictions,sites,bases",
                        headers={"Accept-Language": "zh-CN"})
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    title = pypdf.PdfReader(io.BytesIO(answer.get_data())).metadata.title
    assert title.startswith("测试小区域 · 地图 · ") and title.endswith("(Asia/Shanghai)")  # made: local time
    reader = check_print_layout(answer.get_data(), title, "测试小区域")
    text = reader.pages[0].extract_text()
    assert "© OpenStreetMap contributors" in text and "辖区" in text
    assert "危险源: 重大风险" in text and "救援基地: 地方基层" in text  # the legend, in the asked language
    render(answer.get_data(), "map-view")


def test_map_view_prints_as_png_of_the_asked_size(cjk_available: None, client: Any, auth: Any) -> None:
    """The PNG has the asked size, and a site is drawn in its risk colour where its lon/lat falls."""
    auth.login("viewer")
    answer = client.get(f"/api/v1/scenarios/mini/map.png?{BBOX}&width=900&height=600&layers=sites")
    assert answer.status_code == 200 and answer.mimetype == "image/png"
    image = Image.open(io.BytesIO(answer.get_data())).convert("RGB")
    assert image.size == (900, 600)
    assert len(set(image.get_flattened_data())) > 10  # not blank: shapes, text and their anti-aliased edges
    figure = map_view(read_scenario(MINI), ["sites"], (116.95, 36.62, 117.15, 36.72), title="", language="zh_CN",
                      width=450, height=300)
    x, y = figure.point(117.11, 36.69)  # S1, a red (重大风险) site
    assert image.getpixel((round(x * 2), round((300 - y) * 2))) == (0xD7, 0x19, 0x1C)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    (ARTEFACTS / "map-view.png").write_bytes(answer.get_data())


@pytest.mark.parametrize(("query", "field"), [("bbox=117.2,36.6,117.1,36.7", "bbox"), ("bbox=a,b,c", "bbox"),
                                              (f"{MAP_VIEW},hillshade", "layers"), (f"{MAP_VIEW}&width=9", "width")])
def test_map_view_refuses_a_bad_request_naming_the_field(client: Any, auth: Any, query: str, field: str) -> None:
    auth.login("viewer")
    answer = client.get(f"/api/v1/scenarios/mini/map.png?{query}")
    assert answer.status_code == 400 and answer.get_json()["error"]["field"] == field, answer.get_json()


def test_map_view_credits_global_energy_monitor_where_coal_mines_show() -> None:
    scenario = read_scenario("shanxi-coal")
    mine = next(s for s in scenario.sites if s.kind == "coal_mine")
    around = (mine.lon - 0.05, mine.lat - 0.05, mine.lon + 0.05, mine.lat + 0.05)
    shown = map_view(scenario, ["sites"], around, title="", language="en", width=300, height=200)
    assert shown.attribution == "© OpenStreetMap contributors; Global Energy Monitor, CC BY 4.0"
    assert shown.layers[0].label.startswith("hazard sites: ")  # the legend in the asked language
    hidden = map_view(scenario, ["bases"], around, title="", language="en", width=300, height=200)
    assert hidden.attribution == "© OpenStreetMap contributors"


def test_drill_figure_shows_the_site_the_teams_bases_and_the_jurisdiction(cjk_available: None) -> None:
    """The drill's map: the incident at its site, the bases of the teams that took part, the site's jurisdiction."""
    scenario = read_scenario(MINI)
    assert drill_figure(scenario, {"key": "2026-D1", "teams": ["T1"]}) is None  # no site: no map
    figure = drill_figure(scenario, {"key": "2026-D1", "site": "S1", "teams": ["T1", "T3"]})
    assert figure is not None
    layers = {layer.label.split(" ")[0]: layer for layer in figure.layers}
    (incident,) = layers["演练地点"].shapes
    assert (incident.x, incident.y) == (117.11, 36.69)  # S1, the refinery
    assert sorted((p.x, p.y) for p in layers["参演队伍基地"].shapes) == [(117.05, 36.66), (117.12, 36.68)]  # B1, B3
    (region,) = layers["辖区"].shapes
    assert region.covers(incident) and "历下" in layers["辖区"].label
    events = parse_observed(TIMELINE.replace(",sq1", ",T2"))  # the turn-out observed names who took part
    evaluation = evaluate_drill("D1", load_library()["mine-flooding"], events, {"T2": {"mine_rescue_squad": 1}},
                                turnout_min={"T2": 1.0})
    observed = drill_figure(scenario, {"key": "2026-D1", "site": "S1", "teams": ["T1"]}, evaluation)
    assert observed is not None
    bases = next(layer for layer in observed.layers if layer.label.startswith("参演队伍基地"))
    assert [(p.x, p.y) for p in bases.shapes] == [(116.99, 36.70)]  # B2, T2's base
    pdf = report_pdf(evaluation, [], scenario="测试小区域", figure=observed)
    text = check_print_layout(pdf, "演练评估报告 / Drill evaluation report D1", "测试小区域").pages[0].extract_text()
    render(pdf, "drill-report")
    assert "演练地点 Where" in text and "炼油厂" in text and "© OpenStreetMap contributors" in text
    html = evaluation_html(evaluation, observed) + summary_html(evaluation, [], observed)
    assert html.count('<figure id="drill-map"') == 2 and html.count("<svg") == 2 and "参演队伍基地" in html
    assert "<svg" not in evaluation_html(evaluation)
