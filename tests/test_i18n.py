"""Languages: complete catalogs, ?lang and Accept-Language, the remembered switch, labels, API errors, the audit log."""

from __future__ import annotations

import gettext
import re
import shutil
from enum import StrEnum
from pathlib import Path
from typing import Any, get_args

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from planner.catalogs import compile_if_stale
from planner.drills.evaluation import Severity
from planner.drills.plans import FREQUENCIES, PLAN_KINDS
from planner.errors import InputError
from planner.model.codes import LABELS, LANGUAGES, EquipmentStatus, coded, label, shown
from planner.model.personnel import PersonRole, ShiftKind
from planner.requests.model import STATES, Action
from planner.store.roles import Role
from tests.conftest import AuthActions
from web.errors import ERROR_TITLES
from web.i18n import PHRASES

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = {"zh_CN": ROOT / "web/translations/zh_Hans_CN/LC_MESSAGES/messages.po",
            "en": ROOT / "web/translations/en/LC_MESSAGES/messages.po"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def catalog(language: str) -> dict[str, str]:
    with open(CATALOGS[language], "rb") as handle:
        return {m.id: m.string for m in read_po(handle) if m.id}


def extracted() -> set[str]:
    """Every message the web code and templates ask for, as ``scripts/update-catalogs.sh`` extracts them."""
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2"), ("static/js/**.js", "javascript")]
    found = extract_from_dir(ROOT / "web", method_map, {"static/js/**.js": {"parse_template_string": "true"}},
                             keywords={"_": None, "gettext": None, "phrase": None, "t": None})
    return {message if isinstance(message, str) else message[0] for _, _, message, _, _ in found}


SCRIPT_MESSAGE = re.compile(r'Planner\.t\("((?:[^"\\\n])*)"[,)]')
"""A one-line ``Planner.t("...")`` call in a page script, as written."""


def test_every_script_message_is_extracted_for_the_catalogs() -> None:
    """The extractor skips a call written inside a quoted attribute of a template (``title="${Planner.t(...)}"``)."""
    code = [line for script in (ROOT / "web/static/js").glob("*.js") for line in script.read_text().splitlines()
            if not line.lstrip().startswith("//")]  # comments give examples, not messages
    written = {m.group(1) for line in code for m in SCRIPT_MESSAGE.finditer(line)}
    assert len(written) > 100
    assert written - extracted() == set()


ATTRIBUTE_TEXT = re.compile(r'\b(?:placeholder|title|aria-label|alt|data-confirm)='
                            r'"([^"{]*[A-Za-z\u4e00-\u9fff]{2}[^"{]*)"')
"""An attribute a reader sees or hears, written as literal text (not through ``_()``)."""


def test_no_template_writes_attribute_text_outside_the_catalogs() -> None:
    literal = {(path.name, m.group(1)) for path in (ROOT / "web/templates").glob("*.html")
               for m in ATTRIBUTE_TEXT.finditer(path.read_text())}
    codes = {(name, text) for name, text in literal if re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+", text)}  # hazchem_squad
    assert literal - codes == set()


def nav_text(html: str) -> str:
    """The visible text of the page's top bar, tags and the language switch's own names left out."""
    header = html.split("<header", 1)[1].split("</header>", 1)[0]
    header = re.sub(r'<span class="languages".*?</span>', "", header, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", header))


def test_both_catalogs_translate_every_message_asked_for() -> None:
    asked = extracted()
    assert {"Map", "Coverage", "Sign out", *PHRASES} <= asked
    for language in LANGUAGES:
        messages = catalog(language)
        assert set(messages) == asked, language  # no message missing from the catalog, none stale
        assert all(messages.values()), [m for m, s in messages.items() if not s]  # 0 untranslated
    chinese = catalog("zh_CN")
    assert all(CJK.search(text) for text in chinese.values())  # translated, not copied
    assert chinese["Map"] == "地图" and chinese["Posture"] == "预警战备"


def test_pages_follow_lang_and_remember_it(client: Any, auth: Any) -> None:
    auth.login("planner")
    chinese = client.get("/coverage?scenario=mini")
    english_words = {m for m in catalog("zh_CN") if m not in PHRASES}
    text = nav_text(chinese.get_data(as_text=True))
    assert "地图" in text and "退出" in text and '<html lang="zh-CN">' in chinese.get_data(as_text=True)
    assert not [w for w in english_words if re.search(rf"\b{re.escape(w)}\b", text)], text
    english = client.get("/coverage?scenario=mini&lang=en")
    assert "lang=en" in english.headers["Set-Cookie"]
    text = nav_text(english.get_data(as_text=True))
    assert "Map" in text and "Sign out" in text and not CJK.search(text), text
    later = client.get("/dispatch?scenario=mini")  # no ?lang: the remembered choice
    assert ">Dispatch</a>" in later.get_data(as_text=True) and '<html lang="en">' in later.get_data(as_text=True)
    back = client.get("/dispatch?scenario=mini&lang=zh_CN")
    assert ">调度</a>" in back.get_data(as_text=True)
    switch = re.findall(r'href="([^"]*lang=en[^"]*)"', back.get_data(as_text=True))
    assert switch and "scenario=mini" in switch[0]  # the switch keeps the page and its scenario


def test_an_error_page_is_headed_in_the_readers_language(client: Any, auth: Any) -> None:
    auth.login("planner")
    for path, code in (("/drills/2026?scenario=mini", "invalid_input"), ("/no-such-page", "not_found")):
        chinese = client.get(path + ("&" if "?" in path else "?") + "lang=zh_CN").get_data(as_text=True)
        heading = re.search(r"<h1>(.*?)</h1>", chinese).group(1)
        assert CJK.search(heading) and catalog("zh_CN")[ERROR_TITLES[code]] in heading, heading
        english = client.get(path + ("&" if "?" in path else "?") + "lang=en").get_data(as_text=True)
        assert ERROR_TITLES[code] in re.search(r"<h1>(.*?)</h1>", english).group(1)


def test_the_language_switch_is_remembered_on_the_account(app: Any, client: Any, auth: Any) -> None:
    auth.login("planner")
    assert '<html lang="en">' in client.get("/map?scenario=mini&lang=en").get_data(as_text=True)
    other_browser = app.test_client()  # no cookie, a browser asking for Chinese: the account's choice wins
    AuthActions(other_browser).login("planner")
    page = other_browser.get("/map?scenario=mini", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert '<html lang="en">' in page.get_data(as_text=True) and "lang" not in page.headers.get("Set-Cookie", "")
    failed = other_browser.post("/api/v1/scenarios/mini/records/bases", json={"id": "B9"},
                                headers={"Accept-Language": "zh-CN"})
    assert "missing required field" in failed.get_json()["error"]["message"]  # the API speaks it to that browser too
    viewer = app.test_client()  # another user keeps their own (none chosen: the default)
    AuthActions(viewer).login("viewer")
    assert '<html lang="zh-CN">' in viewer.get("/map?scenario=mini").get_data(as_text=True)
    other_browser.get("/map?scenario=mini&lang=zh_CN")
    assert '<html lang="zh-CN">' in client.get("/map?scenario=mini").get_data(as_text=True)
    anonymous = app.test_client()  # a visitor not signed in: the cookie
    assert "lang=en" in anonymous.get("/login?lang=en").headers["Set-Cookie"]
    assert 'lang="en"' in anonymous.get("/login").get_data(as_text=True)


def test_api_errors_in_the_language_asked_for(client: Any, auth: Any) -> None:
    anonymous = client.get("/api/v1/scenarios/mini/records/bases", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert anonymous.status_code == 401 and anonymous.get_json()["error"]["message"].startswith("请先登录")
    auth.login("planner")
    body = {"id": "B9", "name": "x", "tier": "local", "jurisdiction": "LX", "lon": 117.0, "lat": 36.6, "colour": 1}
    asked_zh = client.post("/api/v1/scenarios/mini/records/bases", json=body, headers={"Accept-Language": "zh-CN"})
    asked_en = client.post("/api/v1/scenarios/mini/records/bases", json=body, headers={"Accept-Language": "en-GB"})
    unasked = client.post("/api/v1/scenarios/mini/records/bases", json=body)
    for answer in (asked_zh, asked_en, unasked):
        assert answer.status_code == 400 and answer.get_json()["error"]["field"] == "colour"
    assert "未知字段" in asked_zh.get_json()["error"]["message"] and "colour" in asked_zh.get_json()["error"]["message"]
    assert "unknown field" in asked_en.get_json()["error"]["message"]
    assert unasked.get_json()["error"]["message"] == asked_en.get_json()["error"]["message"]
    by_query = client.post("/api/v1/scenarios/mini/records/bases?lang=zh_CN", json=body)
    assert "未知字段" in by_query.get_json()["error"]["message"]


def test_one_label_table_for_every_coded_value(client: Any, auth: Any) -> None:
    assert label("risk_grade", "red", "zh_CN") == "重大风险" and label("risk_grade", "red", "en") == "major (red)"
    assert label("risk_grade", "red") == "重大风险 / major (red)"  # the CLI's form
    assert label("capability", "hazchem_squad", "zh_CN") == "危化救援小队"
    assert label("capability", "made_up_tag", "zh_CN") == "made_up_tag"
    assert [label("plan_kind", k, "zh_CN") for k in PLAN_KINDS] == ["综合应急预案", "专项应急预案", "现场处置方案"]
    assert all(CJK.search(label("drill_frequency", f, "zh_CN")) for f in FREQUENCIES)  # every frequency has a label
    auth.login("viewer")
    served = client.get("/api/v1/labels").get_json()
    assert {"tier", "team_type", "risk_grade", "capability", "status", "incident_type"} <= set(served)
    assert served["capability"]["hazchem_squad"] == list(LABELS["capability"]["hazchem_squad"])
    assert served["incident_type"]["high-rise-fire"][0] and CJK.search(served["incident_type"]["high-rise-fire"][0])


@pytest.mark.parametrize(("field", "codes"), [("role", PersonRole), ("user_role", Role), ("shift_kind", ShiftKind),
                                              ("equipment_status", EquipmentStatus)])
def test_people_and_users_roles_have_labels_of_their_own(field: str, codes: type[StrEnum]) -> None:
    assert {c.value for c in codes} == set(LABELS[field])
    assert all(CJK.search(label(field, c, "zh_CN")) for c in codes)


@pytest.mark.parametrize(("field", "codes"), [("request_state", STATES), ("request_action", get_args(Action)),
                                              ("severity", get_args(Severity))])
def test_request_and_drill_codes_have_display_names(field: str, codes: tuple[str, ...]) -> None:
    assert set(codes) == set(LABELS[field])
    assert all(CJK.search(label(field, c, "zh_CN")) and not CJK.search(label(field, c, "en")) for c in codes)


def test_labels_api_serves_request_states_and_statuses(client: Any, auth: Any) -> None:
    auth.login("viewer")
    served = client.get("/api/v1/labels").get_json()
    assert served["request_state"]["en_route"] == ["在途", "en route"]
    assert served["claim_status"]["paid"] == ["已支付", "paid"]
    assert served["unit_status"]["on_scene"][0] == "已到场"


def test_audit_log_shows_chinese_as_text(client: Any, auth: Any) -> None:
    auth.login("admin")
    record = client.get("/api/v1/scenarios/mini/records/bases/B1").get_json()
    data = {**record["data"], "name_zh": "历下消防站(新址)", "operator": "City's <b>fire</b> & rescue"}
    assert client.put("/api/v1/scenarios/mini/records/bases/B1",
                      json={"version": record["version"], "data": data}).status_code == 200
    page = client.get("/audit?scenario=mini").get_data(as_text=True)
    assert "历下消防站(新址)" in page and "\\u5386" not in page
    # quotes and brackets read as written (not as \\u0027 or \\u003c escapes), and still escaped as HTML
    assert "City&#39;s &lt;b&gt;fire&lt;/b&gt; &amp; rescue" in page and "<b>fire" not in page
    assert '<dt title="name_zh">中文名称</dt>' in page and '<dt title="operator">主管单位</dt>' in page  # field names
    english = client.get("/audit?scenario=mini&lang=en").get_data(as_text=True)
    assert '<dt title="name_zh">Chinese name</dt>' in english


def test_a_message_names_a_coded_value_by_its_display_name_in_the_language(client: Any, auth: Any,
                                                                             capsys: Any) -> None:
    """One helper marks a status in a message; each reader sees its display name, never the code."""
    error = InputError(f"request R1: no unit is {coded('unit_status', 'on_scene')}", field="units")
    assert str(error) == "request R1: no unit is on scene"  # logs, job records, scripts: English
    assert shown(error.marked, "zh_CN") == "request R1: no unit is 已到场"
    assert shown(f"{coded('capability', 'nothing_known')}", "zh_CN") == "nothing_known"  # an open tag as it is
    auth.login("viewer")  # a viewer may not edit: the refusal names the role by its name in the language
    record = client.get("/api/v1/scenarios/mini/records/bases/B1").get_json()
    refused = client.put("/api/v1/scenarios/mini/records/bases/B1", headers={"Accept-Language": "zh-CN"},
                         json={"version": record["version"], "data": record["data"]})
    assert refused.status_code == 403 and "(查看)" in refused.get_json()["error"]["message"]
    page = client.get("/inventory/bases/B1/edit?scenario=mini&lang=zh_CN")
    assert page.status_code == 403 and "(查看)" in page.get_data(as_text=True)


def visible_text(html: str) -> str:
    """The text a reader sees: scripts, styles and tags left out, the language switch's own names too."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r'<span class="languages".*?</span>', " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_catalog_without_its_mo_is_compiled_once_and_then_read(tmp_path) -> None:
    po = tmp_path / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    shutil.copy(Path(__file__).resolve().parent.parent / "web/translations/zh_Hans_CN/LC_MESSAGES/messages.po", po)
    assert compile_if_stale(po) and not compile_if_stale(po)  # written once, then up to date
    with open(po.with_suffix(".mo"), "rb") as compiled:
        assert gettext.GNUTranslations(compiled).gettext("Road closures") == "道路封闭"


@pytest.mark.parametrize("catalog", sorted(str(p) for p in ROOT.glob("**/translations/*/LC_MESSAGES/*.po")),
                         ids=lambda p: str(Path(p).relative_to(ROOT)))
def test_every_catalog_compiles_without_an_error(catalog: str) -> None:
    # `make install` compiles every catalog with pybabel and stops at its first error: a msgid with "95% c"
    # reads as a %-placeholder that the translation must keep, and once failed a fresh install.
    with open(catalog, "rb") as handle:
        messages = read_po(handle)
    problems = [(message.id, str(error)) for message, errors in messages.check() for error in errors]
    assert problems == []
