"""Key-post response cards (岗位应急处置卡): one for every on-site plan of the shipped scenarios, in Chinese."""

from __future__ import annotations

import io

import pypdf
import pytest

from planner.drills.cards import cards_pdf, response_card
from planner.drills.plans import parse_plans
from planner.errors import InputError
from planner.model.codes import label, shown
from planner.scenario.library import load_library
from planner.store.settings import read_folder
from tests.conftest import jinan_folder, load_jinan

LIBRARY = load_library()


def _shipped(name: str) -> tuple[object, object]:
    scenario, settings = jinan_folder() if name == "jinan" else read_folder(name)
    return scenario, parse_plans(settings["plans"])


@pytest.mark.parametrize("name", ["jinan", "shanxi-coal"])
def test_every_onsite_plan_has_a_card_in_chinese(name: str) -> None:
    scenario, plans = _shipped(name)
    onsite = [p for p in plans.plans if p.kind == "onsite"]
    assert onsite
    cards = [response_card(scenario, plans, p.id, LIBRARY) for p in onsite]
    for plan, card in zip(onsite, cards, strict=True):
        template = LIBRARY[plan.scenarios[0]]
        assert card.first_actions == template.card_actions and card.first_actions
        assert "现场处置方案" in card.title and card.title.split(" · ")[0] in plan.name
        assert [c.team for c in card.contacts] == list(plan.teams)
        arrivals = [c.arrival_min for c in card.nearest if c.arrival_min is not None]
        assert arrivals == sorted(arrivals) and arrivals, card.plan  # nearest first, by road
        for team in card.nearest:
            if team.travel_min is not None:
                assert team.arrival_min == round(team.turnout_min + team.travel_min, 1)
    pdf = cards_pdf(cards, size="A5")
    assert pdf.startswith(b"%PDF")
    pages = pypdf.PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) >= len(cards)
    text = "".join(page.extract_text() for page in pages)
    for card in cards:
        assert card.title.split(" · ")[0] in text and card.first_actions[0] in text


def test_only_onsite_plans_get_cards() -> None:
    scenario, plans = _shipped("jinan")
    other = next(p for p in plans.plans if p.kind != "onsite")
    with pytest.raises(InputError, match="response cards are made for on-site plans") as error:
        response_card(scenario, plans, other.id, LIBRARY)
    assert error.value.field == "plan"
    assert f"is a {label(field='plan_kind', value=other.kind, language='en')}:" in str(error.value)  # not its code
    assert f"is a {label('plan_kind', other.kind, 'zh_CN')}:" in shown(error.value.marked, "zh_CN")


def test_the_card_api_answers_json_and_pdf(app, viewer) -> None:
    load_jinan(app.extensions["planner_store"])
    card = viewer.get("/api/v1/scenarios/jinan/plans/refinery-onsite-tank/card")
    assert card.status_code == 200 and card.json["first_actions"][0].startswith("立即报告")
    pdf = viewer.get("/api/v1/scenarios/jinan/plans/refinery-onsite-tank/card/pdf?size=A5")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    refused = viewer.get("/api/v1/scenarios/jinan/plans/refinery-comprehensive/card")
    assert refused.status_code == 400 and refused.json["error"]["field"] == "plan"
