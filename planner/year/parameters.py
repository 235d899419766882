"""What a year may be asked for: the one parameter model of ``python -m planner year`` and the ``year`` job.

The CLI validates its options with :class:`YearParameters` before it loads the scenario, and the job
runner validates a year job's parameters with the same model before it accepts the job (through
:func:`planner.jobs.registry.parse_params`), so ``days: 0``, ``replications: 5000`` or ``rate_scale:
-1`` are refused at once by both, naming the field. The limits: a period of at most :data:`MAX_DAYS`
days and at most :data:`MAX_REPLICATIONS` replications.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import Field, StrictBool, StrictInt, StrictStr, model_validator

from planner.model.validation import Model, refuse
from planner.sweep.parameters import MAX_LOCAL_WORKERS, SchedulerAddress

MAX_DAYS = 3660
"""Longest period one run simulates (ten years)."""
MAX_REPLICATIONS = 1000
"""Most replications one run makes."""
MAX_RATE_SCALE = 100
"""Largest factor on every incident rate."""
MAX_WARNINGS = 50
"""Most warnings one run replays."""
MAX_CLOSED_BASES = 50
"""Most bases a comparison closes."""

Days = Annotated[float, Field(strict=True, gt=0, le=MAX_DAYS, allow_inf_nan=False,
                                                 description="length of the period, days")]
RateScale = Annotated[float, Field(strict=True, gt=0, le=MAX_RATE_SCALE, allow_inf_nan=False,
                                                      description="factor on every incident rate")]
ProgrammeYear = Annotated[StrictInt, Field(ge=1900, le=2200, description="drill programme year whose field drills "
                                                                         "hold their teams")]


class YearParameters(Model):
    """A year's parameters (see :func:`planner.year.run.run_year`)."""

    days: Days = 365
    policy: Literal["nearest", "optimal"] = Field("nearest", description="nearest-available rule or the optimiser")
    replications: Annotated[StrictInt, Field(ge=1, le=MAX_REPLICATIONS, description="independent replications")] = 20
    seed: Annotated[StrictInt, Field(ge=0, description="seed: same seed, same incidents")] = 0
    workers: Annotated[StrictInt, Field(ge=1, le=MAX_LOCAL_WORKERS, description="local worker processes")] = 1
    scheduler: SchedulerAddress | None = Field(None, description="a Dask scheduler tcp://HOST:PORT, or local")
    rate_scale: RateScale = 1.0
    warmup_days: Annotated[float, Field(strict=True, ge=0, le=MAX_DAYS, allow_inf_nan=False,
                                                          description="days simulated before counting")] = 0
    programme: ProgrammeYear | None = None
    year: Annotated[StrictInt, Field(ge=1900, le=2200)] | None = Field(
        None, description="calendar year the period starts in, on 1 January (default: the programme's year, else "
                          "the first warning's, else this year): the weekdays of the time bands and the warnings' days")
    warnings: Annotated[list[dict[str, Any]], Field(max_length=MAX_WARNINGS)] | None = Field(
        None, description="warnings (the posture command's form) whose postures hold the teams they move to standby, "
                          "from onset to expiry")
    closures: Annotated[StrictStr, Field(min_length=1, max_length=80)] | None = Field(
        None, description="a stored closure set every drive is under (closures.yaml)")
    time_bands: StrictBool = Field(
        True, description="when the scenario has speed bands, each drive at the speeds of the band its time of day "
                          "falls in (free flow outside every band)")
    move_up: StrictBool = Field(False, description="reposition free units when a standard's coverage drops")
    time_limit_s: Annotated[float, Field(strict=True, gt=0, le=60, allow_inf_nan=False,
                                                           description="optimiser limit per incident, s")] = 2.0
    compare_policy: Literal["nearest", "optimal"] | None = Field(
        None, description="compare with this policy on the same seeds")
    compare_rate_scale: RateScale | None = Field(None, description="compare with this rate scale on the same seeds")
    compare_programme: Annotated[StrictInt, Field(ge=0, le=2200)] | None = Field(
        None, description="compare with this year's drill programme (0: without any), on the same seeds")
    compare_move_up: StrictBool | None = Field(None, description="compare with move-up on or off, on the same seeds")
    compare_closures: Annotated[StrictStr, Field(min_length=1, max_length=80)] | None = Field(
        None, description="compare with every drive under this stored closure set, on the same seeds")
    compare_closed_bases: Annotated[list[Annotated[StrictStr, Field(min_length=1, max_length=80)]],
                                    Field(min_length=1, max_length=MAX_CLOSED_BASES)] | None = Field(
        None, description="compare with these bases closed (their teams held all period), on the same seeds")
    compare_warnings: StrictBool | None = Field(
        None, description="compare with (true) or without (false) the warnings' postures, on the same seeds")

    @model_validator(mode="after")
    def _warmup_within_the_period(self) -> Self:
        if self.warmup_days >= self.days:
            raise refuse("warmup_days", f"must be below days ({self.days:g}), got {self.warmup_days:g}")
        return self

    def comparison(self) -> dict[str, object]:
        """Return what the second configuration changes (empty: no comparison)."""
        changes = {"policy": self.compare_policy, "rate_scale": self.compare_rate_scale,
                   "programme": self.compare_programme, "move_up": self.compare_move_up,
                   "warnings": self.compare_warnings, "closures": self.compare_closures,
                   "closed_bases": self.compare_closed_bases}
        return {k: v for k, v in changes.items() if v is not None}
