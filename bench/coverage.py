"""Coverage of the whole Jinan scenario: the project's path against a networkx baseline loop.

The project's path (``planner.coverage.verdict.coverage``) runs one Dijkstra per distinct base node or per
site, whichever is fewer, on the cached CSR export, then compares arrival times with the standards
in numpy. The baseline is what a straightforward script does: ``networkx.single_source_dijkstra``
from each team's base (one search per team) and a Python loop over (site, standard, team). Both run
in this process on the same network and placement; their first-responder minutes must agree.
Run: ``.venv/bin/python bench/coverage.py``.
"""

from __future__ import annotations

import functools
import math
import sys
import time
from pathlib import Path

import networkx as nx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import best_of, table  # noqa: E402
from planner.coverage.verdict import coverage  # noqa: E402
from planner.scenario.files import read_scenario  # noqa: E402
from planner.scenario.model import Scenario  # noqa: E402
from planner.scenario.network import placement  # noqa: E402

REPEAT = 5


def baseline(scenario: Scenario) -> dict[tuple[str, str], float]:
    """First-responder minutes per (site, standard) with networkx, one search per team."""
    placed = placement(scenario)
    ids = placed.network.node_id
    graph = placed.network.graph
    tiers = {b.id: b.tier for b in scenario.bases}
    capabilities = {s.capability for s in scenario.standards}
    lengths = {}
    for team in scenario.teams:
        if team.team_type in capabilities and team.availability.value == "available":
            source = int(ids[placed.base_node[team.base]])
            lengths[team.id] = nx.single_source_dijkstra_path_length(graph, source, weight="travel_time_s")
    answer = {}
    for site in scenario.sites:
        target = int(ids[placed.site_node[site.id]])
        for standard in scenario.standards_for(site):
            best = math.inf
            for team in scenario.teams:
                if team.id in lengths and team.team_type is standard.capability and (
                        not standard.tiers or tiers[team.base] in standard.tiers):
                    best = min(best, lengths[team.id].get(target, math.inf) / 60 + team.turnout_min)
            answer[(site.id, standard.id)] = best
    return answer


def main() -> None:
    """Time both paths and print the table."""
    rows = []
    for name in ("jinan", "shanxi-coal"):
        scenario = read_scenario(name)
        placed = placement(scenario)
        placed.network.graph  # build the networkx view once, outside both timings  # noqa: B018
        coverage(scenario)  # warm the CSR export
        ours_s, report = best_of(functools.partial(coverage, scenario), REPEAT)
        start = time.perf_counter()
        expected = baseline(scenario)
        networkx_s = time.perf_counter() - start
        worst = max(abs(r.minutes - expected[(r.site, r.standard)]) for r in report.sites
                    if math.isfinite(r.minutes))
        assert all(r.passed == (expected[(r.site, r.standard)] <= r.max_min) for r in report.sites)
        print(f"{name}: {placed.network.n_nodes} nodes, {placed.network.n_edges} edges, {len(scenario.sites)} sites, "
              f"{len(scenario.teams)} teams, {len(report.sites)} site x standard checks, {len(report.gaps)} gaps; "
              f"project {report.searches} searches ({report.direction}); largest difference {worst:.1e} min")
        rows.append([name, "project coverage()", ours_s, 1.0])
        rows.append([name, "networkx loop (one search per team)", networkx_s, networkx_s / ours_s])
    table(["scenario", "path", "seconds", "x project (speed-up)"], rows)


if __name__ == "__main__":
    main()
