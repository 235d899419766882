"""Racing solves in threads: the first win stops the others, and a stopped engine returns at once.

The engines are real (CP-SAT and HiGHS on a dispatch model from bench/dispatch.py's generator); no
timing is asserted beyond "returned long before its own time limit".
"""

from __future__ import annotations

import threading
import time

import pytest

from bench.dispatch import make_instance, synthetic_source
from planner.dispatch.engines import CpSatEngine, Engine, HighsEngine
from planner.dispatch.formulation import formulate
from planner.dispatch.greedy import solve_dispatch_greedy
from planner.dispatch.problem import problem_from_dict
from planner.dispatch.race import Entrant, race
from planner.model.status import Status


def test_the_first_win_stops_the_entrant_still_running() -> None:
    stop = threading.Event()

    def slow() -> str:
        stop.wait(60)
        return "stopped" if stop.is_set() else "ran out"

    results = race([Entrant(slow, stop.set), Entrant(lambda: "won", lambda: None)], won=lambda r: r == "won")
    assert results == ["stopped", "won"]


def test_no_win_lets_every_entrant_finish() -> None:
    stops: list[int] = []
    entrants = [Entrant(lambda k=k: k, lambda k=k: stops.append(k)) for k in range(3)]
    assert race(entrants, won=lambda r: False) == [0, 1, 2]
    assert stops == []


def test_one_failing_entrant_leaves_the_others_results() -> None:
    def fails() -> int:
        raise ValueError("boom")

    assert race([Entrant(fails, lambda: None), Entrant(lambda: 7, lambda: None)], won=lambda r: True) == [7]


def test_when_every_entrant_fails_the_first_error_is_raised() -> None:
    def fails(message: str) -> int:
        raise ValueError(message)

    with pytest.raises(ValueError, match="first"):
        race([Entrant(lambda: fails("first"), lambda: None), Entrant(lambda: fails("second"), lambda: None)],
             won=lambda r: True)


@pytest.mark.parametrize("engine", ["cp-sat", "highs"])
def test_an_interrupted_engine_returns_its_plan_long_before_its_limit_and_skips_later_stages(engine: str) -> None:
    # The merged shortfall + arrival stage of a scarce 40 x 250 model, with a 120 s limit, interrupted
    # after 0.5 s: it returns a plan (at least the start) within seconds, and a later stage at once.
    _, source = synthetic_source()
    problem = problem_from_dict(make_instance(source, 40, 250, scarce=True, seed=2))
    formulation = formulate(problem)
    stage = formulation.shortfall.plus(formulation.arrival, weight=formulation.arrival_ceiling, name="merged")
    solver: Engine = HighsEngine(formulation) if engine == "highs" else CpSatEngine(formulation, workers=1)
    start = formulation.values_of(problem, solve_dispatch_greedy(problem).assignment_map())
    outcome = []
    worker = threading.Thread(target=lambda: outcome.append(solver.minimise(stage, time_limit_s=120, start=start)))
    began = time.perf_counter()
    worker.start()
    time.sleep(0.5)
    solver.interrupt()
    worker.join(60)
    assert not worker.is_alive()
    assert time.perf_counter() - began < 60
    assert outcome[0].values is not None
    assert formulation.violated(outcome[0].values) == []
    assert stage.value(outcome[0].values) <= stage.value(start)
    began = time.perf_counter()
    later = solver.minimise(stage, time_limit_s=120, start=outcome[0].values)
    assert later.status is not Status.OPTIMAL
    assert time.perf_counter() - began < 30
