"""What a sweep may be asked for: the one parameter model of ``python -m planner sweep`` and the sweep job.

The CLI validates its options with :class:`SweepParameters` before it loads the scenario, and the job
runner validates a sweep job's parameters with the same model before it accepts the job (through
:func:`planner.jobs.registry.parse_params`), so ``incidents: -1``, ``1e12`` or ``workers: 1000`` are
refused at once by both, with the same words. The limits are the ones a server can keep: at most
:data:`MAX_INCIDENTS` incidents and :data:`MAX_LOCAL_WORKERS` local processes (a Dask cluster brings its
own workers).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StrictFloat, StrictInt, StrictStr

from planner.model.validation import Day, Model
from planner.roads.conditions import CLOSURES_FIELD_HELP, ClosuresField

MAX_INCIDENTS = 10_000_000
"""Most incidents one sweep draws."""
MAX_LOCAL_WORKERS = 32
"""Most local worker processes one sweep starts."""


SCHEDULER_PATTERN = r"^(local|tcp://.+|tls://.+)$"
"""What a scheduler address looks like (documented in the API; checked by ``_scheduler_address``)."""


def _scheduler_address(value: str) -> str:
    if re.fullmatch(SCHEDULER_PATTERN, value) is None:
        raise ValueError("must be a Dask scheduler address tcp://HOST:PORT (or tls://HOST:PORT), or local")
    return value


SchedulerAddress = Annotated[StrictStr, Field(max_length=200, json_schema_extra={"pattern": SCHEDULER_PATTERN}),
                             AfterValidator(_scheduler_address)]
"""A Dask scheduler address as a parameter: ``tcp://HOST:PORT``, ``tls://HOST:PORT`` or ``local``."""


class SweepParameters(Model):
    """A sweep's parameters (see :func:`planner.sweep.engine.sweep`)."""

    incidents: Annotated[StrictInt, Field(ge=1, le=MAX_INCIDENTS, description="incidents to draw")] = 1000
    seed: Annotated[StrictInt, Field(ge=0, description="seed of the draws: same seed, same incidents")] = 0
    mode: Literal["dispatch", "simulate"] = Field(
        "dispatch", description="dispatch: nearest-available rule (fast); simulate: a SimPy run per incident")
    workers: Annotated[StrictInt, Field(ge=1, le=MAX_LOCAL_WORKERS, description="local worker processes")] = 1
    scheduler: SchedulerAddress | None = Field(
        None, description="a Dask scheduler tcp://HOST:PORT, or local for a local Dask cluster")
    busy_share: Annotated[StrictFloat | StrictInt, Field(
        ge=0, lt=1, allow_inf_nan=False,
        description="probability that an available team is busy elsewhere")] = 0.0
    chunk_size: Annotated[StrictInt, Field(ge=1, le=MAX_INCIDENTS, description="incidents per task")] | None = None
    closures: ClosuresField | None = Field(
        None, description=CLOSURES_FIELD_HELP + ": every incident drives under them")
    time_bands: bool = Field(
        True, description="when the scenario has speed bands, draw each incident's time of day among them and free "
                          "flow by their hours, and drive at its band's speeds")
    availability_from: Day | None = Field(
        None, description="judge who is on duty and what each team can staff (the one availability function) at "
                          "each time of day of the days from this one; default: every team at declared strength")
    availability_days: Annotated[StrictInt, Field(ge=1, le=366, description="days judged from availability_from "
                                                                            "(incident k is on day k mod days)")] = 7
