"""Run a few solves side by side in threads and stop the others as soon as one has won.

The dispatch engines spend their time inside OR-Tools' C++ solvers, which release the GIL, so two
threads use two cores. Neither engine proves every instance sooner than the other (bench/dispatch.py:
seed 1 scarce 60 x 150 proven by HiGHS in 8.5 s and not by CP-SAT in 20 s; seed 2 scarce 60 x 200
proven by CP-SAT in 12 s and not by HiGHS in 20 s), so running both and keeping the first proof
takes the faster one per instance rather than per class.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["Entrant", "race"]

Result = TypeVar("Result")

STOP_REPEAT_S = 0.05
"""Seconds between repeated stop requests: a request that lands between two solves is asked again."""


@dataclass(frozen=True)
class Entrant(Generic[Result]):
    """One solve in a race: ``run`` returns its result, ``stop`` asks it to return early (thread-safe)."""

    run: Callable[[], Result]
    stop: Callable[[], None]


def race(entrants: Sequence[Entrant[Result]], *, won: Callable[[Result], bool]) -> list[Result]:
    """Run every entrant in its own thread; once one returns a result that ``won``, stop the others.

    Returns the results of the entrants that finished without an exception, in entrant order (a
    stopped entrant returns what it had). Raises the first exception only when every entrant failed.
    """
    results: list[Result | None] = [None] * len(entrants)
    errors: list[BaseException | None] = [None] * len(entrants)
    finished = threading.Event()

    def body(k: int) -> None:
        try:
            result = entrants[k].run()
            results[k] = result
            if won(result):
                finished.set()
        except BaseException as error:  # noqa: BLE001 - handed back to the caller below
            errors[k] = error

    threads = [threading.Thread(target=body, args=(k,), name=f"race-{k}", daemon=True) for k in range(len(entrants))]
    for thread in threads:
        thread.start()
    while alive := [thread for thread in threads if thread.is_alive()]:
        if finished.is_set():
            for entrant, thread in zip(entrants, threads, strict=True):
                if thread.is_alive():
                    entrant.stop()
            alive[0].join(STOP_REPEAT_S)
        else:
            finished.wait(STOP_REPEAT_S)
    done = [r for r, e in zip(results, errors, strict=True) if e is None and r is not None]
    if not done:
        first = next(e for e in errors if e is not None)
        raise first
    return done
