"""The job kinds by name: what each runs, the parameters it takes, what it checks before it is accepted.

A kind is a plain function ``(scenario, settings documents, parameters, progress) -> JSON-ready result``
registered with :func:`job_kind` together with its parameter model (pydantic). The model is the one
statement of the kind's parameters: the runner validates a job's parameters with it (:func:`parse_params`)
before the job is accepted, the CLI command that does the same work validates its options with the same
model and the same function, and the API documents it. ``check`` is what the kind verifies against the
stored scenario before accepting a job (a year the drill calendar does not cover), so a job that cannot
succeed is refused at once instead of failing later. ``idempotent`` kinds (no effect but their result) are
queued again once when the runner that ran them stopped; the others are marked failed and can be run again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from planner.errors import InputError
from planner.model.validation import located_error
from planner.scenario.model import Scenario

Progress = Callable[[float, str], None]
"""``progress(fraction 0..1, message)``."""

JobFunction = Callable[[Scenario, Mapping[str, Any], Any, Progress], Any]
"""``kind(scenario, settings documents by name, validated parameters, progress) -> JSON-ready result``."""

Check = Callable[[Scenario, Mapping[str, Any], Any], None]
"""``check(scenario, settings documents, validated parameters)``: raise ``InputError`` to refuse the job."""

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class JobKind:
    """A registered kind of job."""

    name: str
    run: JobFunction
    params: type[BaseModel]
    idempotent: bool = False
    check: Check | None = None

    @property
    def module(self) -> str:
        """The module that registers the kind (a worker process imports it to find the kind)."""
        return self.run.__module__


JOB_KINDS: dict[str, JobKind] = {}
"""Registered job kinds, by name."""


def job_kind(name: str, *, params: type[BaseModel], idempotent: bool = False,
             check: Check | None = None) -> Callable[[JobFunction], JobFunction]:
    """Register a function as a job kind taking parameters of the model ``params``."""

    def register(function: JobFunction) -> JobFunction:
        JOB_KINDS[name] = JobKind(name, function, params, idempotent, check)
        return function

    return register


def kind_named(name: str) -> JobKind:
    """Return a registered kind; ``InputError`` naming the known kinds otherwise."""
    found = JOB_KINDS.get(name)
    if found is None:
        raise InputError(f"unknown job kind {name!r}; kinds: {', '.join(sorted(JOB_KINDS))}", field="kind")
    return found


def parse_params(model: type[M], data: Any, *, prefix: Sequence[int | str] = ()) -> M:
    """Validate a job's parameters (or a CLI command's options) with their model; ``InputError`` naming the field.

    The one validation of a job's parameters: the runner calls it with ``prefix=("params",)`` (an API
    client sees ``params.incidents``), the CLI with no prefix (``incidents: must be ...``).
    """
    if not isinstance(data, Mapping):
        field = ".".join(map(str, prefix)) or "params"
        raise InputError(f"{field} must be a mapping (a JSON object)", field=field)
    try:
        return model.model_validate(dict(data))
    except ValidationError as error:
        raise located_error(error, prefix, where=".".join(map(str, prefix)) or "params") from None
