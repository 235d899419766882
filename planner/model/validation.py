"""Validate JSON-like data with pydantic: one base model, the shared field types, one ``InputError`` per mistake.

Everything the product reads from outside (scenario records, settings documents, drill records, sharing
agreements and missions, dispatch problems, API bodies) is a pydantic model (:class:`Model`) or a pydantic
dataclass (with :data:`DATACLASS_CONFIG`), checked by the library: types, ranges, unknown fields.
:func:`validate` is the one place that turns pydantic's first complaint into the planner's
:class:`~planner.errors.InputError`, the same way for every caller: the message names what was read
(the file or record: ``plans.yaml``, ``teams.csv line 7: team T9``, ``design``), the path to the
mistake with each list entry named by its id, unit or name (``plan p1``, ``deployments[0] (TA-1)``,
``msel[0]``), the field and the problem in words (``must be ...``, not pydantic's ``Input should be
...``) with the value given. The error's ``field`` is the innermost field, so a form or an API answer
can point at it (the web answers 400, the CLI exits 2); its ``record`` the innermost entry's id.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StrictStr,
    TypeAdapter,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, ErrorDetails, PydanticCustomError, core_schema

from planner.errors import InputError

T = TypeVar("T")


class Model(BaseModel):
    """Base of the product's records and documents: frozen, unknown fields refused, built by name or alias.

    A field with an alias (a stored JSON name such as ``seconds`` for ``wall_s``) is accepted under
    either name and written under its alias.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", validate_by_name=True, validate_by_alias=True,
                              serialize_by_alias=True)

    def to_json(self) -> dict[str, Any]:
        """Return the JSON form (what the store keeps and the API sends)."""
        return self.model_dump(mode="json")


DATACLASS_CONFIG = ConfigDict(extra="forbid")
"""Configuration of the pydantic dataclasses (``@dataclass(frozen=True, config=DATACLASS_CONFIG)``): the
same rule as :class:`Model`, unknown fields refused."""


NOT_BLANK = r"[^\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
"""A character that is not white space, as JSON Schema's regular expressions (ECMA 262) and Python read it alike."""


def _not_blank(value: str) -> str:
    if not re.search(NOT_BLANK, value):
        raise ValueError("must be a non-empty text")
    return value


Text = Annotated[StrictStr, AfterValidator(_not_blank), Field(json_schema_extra={"minLength": 1, "pattern": NOT_BLANK})]
"""A text that is not empty or blank: a name, an id, a region code, a capability (its JSON Schema says so)."""
Amount = Annotated[float, Field(strict=True, ge=0, allow_inf_nan=False)]
"""A finite number >= 0 (yuan, minutes, kilometres); integers are accepted, booleans and strings are not."""
Count = Annotated[int, Field(strict=True, ge=0)]
"""A whole number >= 0 (people, items, trips); booleans and strings are not accepted."""


def _iso_day(value: object) -> object:
    if isinstance(value, dt.date) or (isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)):
        return value
    raise ValueError("must be a day YYYY-MM-DD")


Day = Annotated[dt.date, BeforeValidator(_iso_day)]
"""A day given as a date or as ``YYYY-MM-DD`` text (pydantic alone reads ``0`` as 1 January 1970)."""


def one_of(allowed: Iterable[str]) -> OneOf:
    """Return a validator that accepts only the ``allowed`` names, lists them when refusing one, and states them.

    Its JSON Schema is the text with ``enum`` set to the names, so an API document says what is accepted.
    """
    return OneOf(tuple(allowed))


@dataclass(frozen=True)
class OneOf:
    """A text that must be one of ``known`` (see :func:`one_of`), as pydantic validation and JSON Schema."""

    known: tuple[str, ...]

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:  # noqa: D105
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema,  # noqa: D105
                                     handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return {**handler(schema), "enum": list(self.known)}

    def check(self, value: str) -> str:
        """Return ``value`` if it is one of the known names; else raise naming them."""
        if value not in self.known:
            raise ValueError(f"unknown value {value!r} (known: {', '.join(self.known)})")
        return value


ItemLabel = Callable[[str, int, Any], str | None]
"""``(section, index, item) -> label`` of one list entry in messages (None: the default label)."""

_MESSAGES = {
    "extra_forbidden": "unknown field (a misspelt name, or one that does not exist)",
    "unexpected_keyword_argument": "unknown field (a misspelt name, or one that does not exist)",
    "missing": "missing required field",
    "missing_argument": "missing required field",
}
_WHOLE = {"model_type": "must be a mapping (a JSON object)", "dataclass_type": "must be a mapping (a JSON object)",
          "dict_type": "must be a mapping (a JSON object)", "list_type": "must be a list"}
_SHOWN = 60
"""At most this many characters of a refused value are quoted."""


@cache
def _adapter(kind: Any) -> TypeAdapter[Any]:
    return TypeAdapter(kind)


def validate(kind: type[T], data: Any, *, what: str, record: str | None = None, field: str | None = None,
             item_label: ItemLabel | None = None) -> T:
    """Return ``data`` validated as ``kind``; raise one ``InputError`` naming what, the path, the field, the problem.

    Parameters
    ----------
    kind
        A pydantic model (usually a :class:`Model`), a pydantic dataclass or any type pydantic validates.
    data
        JSON-like input (parsed YAML, JSON or CSV rows).
    what
        What the data is and where it came from, first in the message (``plans.yaml``, ``problem``,
        ``teams.csv line 7: team T9``). The top-level id, when the data has one not named here, follows it.
    record
        The error's ``record`` when no entry on the path (nor the data itself) has an id.
    field
        The error's ``field`` when the mistake is the whole data (not a mapping); default ``what``.
    item_label
        How to name a list entry (default: ``plan p1`` for an entry of ``plans`` with an id, else
        ``plans[3]`` followed by its unit or name in parentheses), e.g. ``line 2`` for CSV rows.

    """
    try:
        return _adapter(kind).validate_python(data)  # type: ignore[no-any-return,arg-type]
    except ValidationError as error:
        raise input_error(error, data, what=what, record=record, field=field, item_label=item_label) from None


def input_error(error: ValidationError, data: Any, *, what: str, record: str | None = None, field: str | None = None,
                item_label: ItemLabel | None = None) -> InputError:
    """Return the ``InputError`` of pydantic's first complaint about ``data`` (see :func:`validate`)."""
    first = error.errors()[0]
    top = _identity(data)
    where = f"{what} ({top})" if top and top not in what else what
    path, name, innermost = _locate(data, tuple(first["loc"]), item_label or _default_label)
    place = ": ".join(part for part in (where, path, name) if part)
    return InputError(f"{place}: {problem(first)}", field=name or field or what, record=innermost or top or record)


def field_path(location: Sequence[int | str]) -> str:
    """Return a pydantic error location as a request names its fields: ``incidents[0].requirements[1].quantity``."""
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def located_error(error: ValidationError, prefix: Sequence[int | str] = (), *, where: str = "body") -> InputError:
    """Return pydantic's first complaint as an ``InputError`` whose field is the path to it (a request's fields).

    ``prefix`` is where the validated data sits in the request (``("incidents", 2)``); a rule across
    fields (:func:`refuse`) names its field below the model it checks; ``where`` is the field when the
    whole data is at fault. The words are :func:`problem`'s. :func:`input_error` is the form for records
    and files, which names the record and the field instead of a path.
    """
    first = error.errors(include_url=False)[0]
    named = (first.get("ctx") or {}).get("field")
    field = field_path((*prefix, *first["loc"], *([named] if named else []))) or where
    return InputError(f"{field}: {problem(first)}", field=field)


def one_error(message: str) -> WrapValidator:
    """Report any failure of the annotated value as one error at its own place, with ``message``.

    A union (``str | [lon, lat]``) would otherwise report one error per member, with pydantic's member
    names in the location; the client wants to know which field is wrong and what it should be.
    """

    def check(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            return handler(value)
        except ValidationError:
            raise PydanticCustomError("invalid_value", message) from None

    return WrapValidator(check)


def refuse(field: str, message: str) -> PydanticCustomError:
    """Return the error of a rule across fields ("give a or b"), naming ``field`` (raise it in a model validator)."""
    return PydanticCustomError("invalid_combination", message, {"field": field})


def problem(detail: ErrorDetails) -> str:
    """Return what one pydantic complaint says is wrong, in words, with the value given: ``must be ... (got 7)``."""
    kind = detail["type"]
    message = _WHOLE.get(kind) or _MESSAGES.get(kind) or str(detail["msg"]).removeprefix("Value error, ").replace(
        "Input should be", "must be", 1)
    value = detail.get("input")
    if not detail["loc"] or kind.startswith("missing") or isinstance(value, (Mapping, list)):
        return message
    text = repr(value)
    return f"{message} (got {text[:_SHOWN]}...)" if len(text) > _SHOWN else f"{message} (got {text})"


def _identity(node: Any) -> str:
    """Return the ``id`` (or else ``unit``) of a mapping, empty when it has none."""
    if isinstance(node, Mapping):
        for key in ("id", "unit"):
            value = node.get(key)
            if isinstance(value, str) and value.strip():
                return value
    return ""


def _locate(data: Any, loc: Sequence[int | str], label: ItemLabel) -> tuple[str, str, str]:
    """Return the readable path to an error, its field, and the id of the innermost entry that has one.

    The walk follows ``loc`` through the data itself, so steps pydantic adds that are not in the data
    (a union member, a validator's name) name nothing, and a missing field is still named.
    """
    parts: list[str] = []
    key = ""  # the mapping key reached last, not yet part of the path: the field when the walk ends
    section = ""  # the key of the list entered last: the field of an error about a whole entry
    record = ""
    current: Any = data
    for step in loc:
        if isinstance(current, Mapping) and (step in current or str(step) in current):
            parts.append(key)
            key = str(step)
            current = current[step] if step in current else current[str(step)]
        elif isinstance(current, list) and isinstance(step, int) and 0 <= step < len(current):
            if not isinstance(current[step], (Mapping, list)):
                break  # one value of a list of names: the list's key is the field
            current = current[step]
            parts.append(label(key, step, current) or _default_label(key, step, current))
            section, key = key, ""
            record = _identity(current) or record
        elif isinstance(current, Mapping) and isinstance(step, str):
            parts.append(key)
            key, current = step, None  # a missing field
    return ": ".join(p for p in parts if p), key or section, record


def _default_label(section: str, index: int, item: Any) -> str:
    """Return ``plan p1`` for an entry with an id, else ``plans[3]`` with its unit or name in parentheses."""
    if isinstance(item, Mapping):
        if isinstance(item.get("id"), str) and item["id"].strip():
            singular = section[:-1] if section.endswith("s") else section
            return f"{singular} {item['id']}".strip()
        for key in ("unit", "name"):
            value = item.get(key)
            if isinstance(value, str) and value:
                return f"{section}[{index}] ({value})"
    return f"{section}[{index}]"
