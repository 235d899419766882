"""Check a generated scenario: read it, parse its agreements, snap its points, print standard coverage.

    .venv/bin/python scenarios/_build/check.py jinan

Coverage here is a quick sanity check (nearest qualifying available team, turn-out + network travel),
not the product's coverage model.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np  # noqa: E402

from geodata.snap import Snapper  # noqa: E402
from planner.scenario.network import network_for, placement  # noqa: E402
from planner.scenario.files import read_scenario  # noqa: E402
from planner.sharing.ledger import agreements_from_dicts  # noqa: E402
from planner.scenario.travel import travel_minutes  # noqa: E402


def main(name: str) -> None:
    scenario = read_scenario(name)
    print("counts", scenario.counts())
    agreements_from_dicts(scenario.agreements)
    points = [*scenario.bases, *scenario.sites]
    snapped = Snapper(network_for(scenario)).snap([p.lon for p in points], [p.lat for p in points], refuse=False)
    report = sorted(((round(float(d)), p.id) for p, d in zip(points, snapped.distance_m) if d > 500), reverse=True)
    print(f"points beyond 500 m: {len(report)} {report}")
    if report and report[0][0] > float(scenario.meta.get("snap_limit_m", 2000)):
        return
    placed = placement(scenario)
    print(f"network nodes {placed.network.n_nodes}")
    teams = [t for t in scenario.teams if t.availability.value == "available"]
    matrix = travel_minutes(scenario, "teams", "sites", origin_ids=[t.id for t in teams])
    by_team = {t.id: i for i, t in enumerate(teams)}
    for standard in scenario.standards:
        sites = [s for s in scenario.sites if standard in scenario.standards_for(s)]
        if not sites:
            continue
        eligible = [t for t in teams if t.team_type == standard.capability
                    and (not standard.tiers or scenario.by_id("bases")[t.base].tier in standard.tiers)]
        met, worst = 0, []
        for site in sites:
            j = matrix.destinations.index(site.id)
            times = [t.turnout_min + matrix.minutes[by_team[t.id], j] for t in eligible]
            best = min(times) if times else np.inf
            met += best <= standard.max_min
            worst.append((round(float(best), 1), site.id))
        share = met / len(sites)
        verdict = "MEETS" if share >= standard.min_share else "FAILS"
        print(f"{standard.id:16s} {met}/{len(sites)} sites within {standard.max_min} min "
              f"(need {standard.min_share:.0%}) {verdict}; slowest {sorted(worst)[-3:]}")
    print("tiers", Counter(b.tier.value for b in scenario.bases))
    print("team types", Counter(t.team_type.value for t in scenario.teams))
    print("site kinds", Counter(s.kind.value for s in scenario.sites))
    print("grades", Counter(s.risk_grade.value for s in scenario.sites))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "jinan")
