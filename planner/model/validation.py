"""Validate JSON-like data into a pydantic model or dataclass, with one ``InputError`` naming record and field.

Domain types that arrive as JSON (agreements, payer rules, missions, dispatch problems) are pydantic
models or pydantic dataclasses: the library checks types, ranges and unknown fields. :func:`validate`
turns the first of pydantic's errors into one :class:`~planner.errors.InputError` whose message names
the record, the path to the field (``units[0].capabilities.squad``, with the id of the innermost record
when it has one) and the problem, and whose ``field`` is the innermost field name, so a form or an API
answer can point at it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, Field, TypeAdapter, ValidationError

from planner.errors import InputError

T = TypeVar("T")


def _non_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must be a non-empty name")
    return value


Name = Annotated[str, Field(strict=True), AfterValidator(_non_blank)]
"""A non-blank string: an id, a region code, a capability."""
Amount = Annotated[float, Field(strict=True, ge=0, allow_inf_nan=False)]
"""A finite number >= 0 (yuan, minutes, kilometres); integers are accepted, booleans and strings are not."""
Count = Annotated[int, Field(strict=True, ge=0)]
"""A whole number >= 0 (people, items, trips); booleans and strings are not accepted."""

_MESSAGES = {
    "extra_forbidden": "unknown field",
    "unexpected_keyword_argument": "unknown field",
    "missing": "missing required field",
    "missing_argument": "missing required field",
    "dataclass_type": "must be an object",
    "dict_type": "must be an object",
    "model_type": "must be an object",
}


@cache
def _adapter(kind: Any) -> TypeAdapter[Any]:
    return TypeAdapter(kind)


def validate(kind: type[T], data: Any, *, record: str) -> T:
    """Return ``data`` validated as ``kind``; raise InputError naming ``record``, the field and the problem.

    Parameters
    ----------
    kind
        A pydantic model or pydantic dataclass.
    data
        JSON-like input (dicts, lists, numbers, strings).
    record
        What the data is, for the message (``agreements[3]``, ``problem``).

    """
    try:
        return _adapter(kind).validate_python(data)  # type: ignore[no-any-return,arg-type]
    except ValidationError as error:
        raise input_error(error, data, record=record) from None


def input_error(error: ValidationError, data: Any, *, record: str) -> InputError:
    """One InputError from the first problem pydantic found in ``data``.

    The message reads ``record 'ID': units[0] (T1).ready_min: problem, got value``: the record with
    its id when it has one, then the dotted path to the field with each list item's id (or unit).
    """
    first = error.errors()[0]
    loc = tuple(first["loc"])
    top = _identity(data)
    where = f"{record} {top!r}" if top else record
    path, innermost = _path(data, loc)
    if path:
        where += f": {path}"
    message = _MESSAGES.get(first["type"], first["msg"].removeprefix("Value error, ").replace("Input should be",
                                                                                                "must be", 1))
    value = first.get("input")
    shown = "" if first["type"].startswith("missing") or isinstance(value, (Mapping, list)) or not loc else (
        f", got {value!r}")
    field = next((str(part) for part in reversed(loc) if isinstance(part, str)), record)
    return InputError(f"{where}: {message}{shown}", field=field, record=innermost or top or record)


def _identity(node: Any) -> str:
    """Return the ``id`` (or else ``unit``) of a mapping, empty when it has none."""
    if isinstance(node, Mapping):
        for key in ("id", "unit"):
            value = node.get(key)
            if isinstance(value, str) and value:
                return value
    return ""


def _path(data: Any, loc: Sequence[Any]) -> tuple[str, str]:
    """Return the dotted path of ``loc`` with list items' ids, and the innermost list item's id."""
    out, innermost, node = "", "", data
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            node = None
        if isinstance(part, int):
            named = _identity(node)
            out += f"[{part}]" + (f" ({named})" if named else "")
            innermost = named or innermost
        else:
            out += f".{part}" if out else str(part)
    return out, innermost
