"""A sweep drawing time-of-day speed bands with availability: one moment per band means both.

Each band's availability is judged at the band's start (free flow at the first hour no band covers), so
the teams an incident in the morning peak can call are those on duty at 07:00, not at some other hour.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

import planner.cli._common  # noqa: F401  (registers every settings document, as the CLI does)
from planner.availability import availability
from planner.availability.settings import availability_rules
from planner.roads.bands import band_at, speed_profiles
from planner.roads.sweeps import FREE_FLOW, sweep_bands
from planner.store.settings import read_folder
from planner.sweep.engine import SweepSettings, sweep, sweep_model

DAY = dt.date(2026, 7, 1)  # a Wednesday: the weekday peaks hold


@pytest.fixture(scope="module")
def jinan():
    return read_folder("jinan")


@pytest.fixture(scope="module")
def bands(jinan):
    scenario, documents = jinan
    return sweep_bands(scenario, documents)


def test_each_band_stands_for_its_start_and_free_flow_for_the_first_free_hour(jinan, bands) -> None:
    scenario, documents = jinan
    declared = speed_profiles(documents).bands
    assert declared, "the shipped Jinan scenario has speed bands"
    for band in declared:
        hours, minutes = band.start.split(":")
        assert bands[band.id].hour == int(hours) + int(minutes) / 60
    free = bands[FREE_FLOW].hour
    midnight = dt.datetime.combine(DAY, dt.time(), tzinfo=scenario.zone)
    assert band_at(documents, midnight + dt.timedelta(hours=free), scenario.zone) is None
    covered = [band_at(documents, midnight + dt.timedelta(hours=h), scenario.zone) for h in range(int(free))]
    assert None not in covered


def test_availability_of_a_band_is_judged_at_its_hour(jinan, bands) -> None:
    scenario, documents = jinan
    rules = availability_rules(documents, scenario)
    settings = SweepSettings(availability_from=DAY, availability_days=1)
    model = sweep_model(scenario, settings=settings, bands=bands, rules=rules)
    assert model.tod_names == tuple(bands)
    assert model.moment_qty is not None and model.moment_live is not None
    wanted = list(model.capabilities)
    noon = availability(scenario, dt.datetime.combine(DAY, dt.time(12)), rules)
    differs_from_noon = False
    for k, name in enumerate(model.tod_names):
        then = availability(scenario, dt.datetime.combine(DAY, dt.time()) + dt.timedelta(hours=bands[name].hour),
                            rules)
        expected = np.array([[then.team(t).capabilities.get(c, 0) for c in wanted] for t in model.team_ids])
        assert np.array_equal(model.moment_qty[0, k], expected), name
        assert list(model.moment_live[0, k]) == [not then.team(t).not_responding for t in model.team_ids], name
        at_noon = np.array([[noon.team(t).capabilities.get(c, 0) for c in wanted] for t in model.team_ids])
        differs_from_noon |= not np.array_equal(expected, at_noon)
    assert differs_from_noon, "some band's hour must staff differently from noon, or this test could not fail"
    summary = sweep(scenario, 200, seed=3, model=model).to_dict()
    assert summary["availability"]["hours"] == {name: band.hour for name, band in bands.items()}
