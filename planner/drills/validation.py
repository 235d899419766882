"""Validate the drills' stored documents and API bodies with their pydantic models, errors naming the field.

The drill records (programme, design, simulation summary, evaluation, corrective action) are pydantic
models; this module is the one place that turns a pydantic ``ValidationError`` into the planner's
``InputError``: the message says what was being read and where in it (``drills[0].date``), the
``field`` is the innermost named field (``date``), so the web answers a 400 and the CLI exits 2.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from planner.errors import InputError

M = TypeVar("M", bound=BaseModel)


class Record(BaseModel):
    """Base of the drills' records: frozen, unknown fields refused, built by field name or alias."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_by_name=True, validate_by_alias=True,
                              serialize_by_alias=True)

    def to_json(self) -> dict[str, Any]:
        """Return the JSON form (what the store keeps and the API sends)."""
        return self.model_dump(mode="json")


def validated(model: type[M], data: Any, *, what: str, record: str | None = None) -> M:
    """Return ``data`` validated as ``model``; ``InputError`` naming ``what``, the path and the field otherwise."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise input_error(error, what=what, record=record) from None


def input_error(error: ValidationError, *, what: str, record: str | None = None) -> InputError:
    """Return the ``InputError`` of pydantic's first complaint: ``what path: problem``, field = innermost name."""
    first = error.errors()[0]
    location = first["loc"]
    names = [str(part) for part in location if isinstance(part, str)]
    path = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in location).lstrip(".")
    message = first["msg"].removeprefix("Value error, ")
    value = first.get("input")
    shown = ""
    if names and not isinstance(value, (dict, list)) and first["type"] != "missing":
        text = repr(value)
        shown = f" (got {text[:60]}...)" if len(text) > 60 else f" (got {text})"
    where = f"{what}: {path}" if path else what
    return InputError(f"{where}: {message}{shown}", field=names[-1] if names else what, record=record)
