"""Validation of settings documents (plans, calendar, warning rules, ...) with pydantic, and its errors.

A settings document is a frozen pydantic model (:class:`Document`: unknown fields refused) built from
YAML, JSON or CSV data. :func:`validate_document` turns pydantic's first error into one ``InputError``
that names where the data came from, the entry (``plan p1``, ``blackouts[2] (Two Sessions)``), the
field and the problem, so every settings document reports its mistakes the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, StrictStr, ValidationError

from planner.errors import InputError


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must be a non-empty text")
    return value


Text = Annotated[StrictStr, AfterValidator(_not_blank)]
"""A text that is not empty or blank."""



def one_of(allowed: Iterable[str]) -> AfterValidator:
    """Return a validator that accepts only the ``allowed`` names and lists them when refusing one."""
    known = tuple(allowed)

    def check(value: str) -> str:
        if value not in known:
            raise ValueError(f"unknown value {value!r} (known: {', '.join(known)})")
        return value

    return AfterValidator(check)


M = TypeVar("M", bound=BaseModel)

ItemLabel = Callable[[str, int, Any], str | None]
"""``(section, index, item) -> label`` of one list entry in error messages (None: the default label)."""


class Document(BaseModel):
    """Base of settings documents and their parts: frozen, strict about unknown fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def validate_document(model: type[M], data: Any, *, where: str, item_label: ItemLabel | None = None,
                      field: str = "document") -> M:
    """Validate ``data`` as ``model``; raise ``InputError`` naming ``where``, the entry, the field and the problem.

    Parameters
    ----------
    model
        The pydantic model of the document (or of one part of it).
    data
        The parsed YAML, JSON or CSV data.
    where
        Where the data came from, first in the message (``plans.yaml``, ``stored calendar``).
    item_label
        How to name a list entry (default: ``plan p1`` for an entry of ``plans`` with an id, else
        ``plans[3]``, followed by its name in parentheses when it has one).
    field
        The error's field when the whole document is wrong (not a mapping).

    """
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        path, name, record = _locate(data, first["loc"], item_label or _default_label)
        message = str(first["msg"]).removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            message = "unknown field (a misspelt name, or a setting that does not exist)"
        if first["type"] in ("model_type", "list_type", "dict_type") and not first["loc"]:
            message = "must be a mapping" if first["type"] != "list_type" else "must be a list"
        value = first.get("input")
        shown = "" if first["type"] == "missing" or isinstance(value, (Mapping, list)) else f" (got {value!r})"
        place = ": ".join(part for part in (where, path, name) if part)
        raise InputError(f"{place}: {message}{shown}", field=name or field,
                         record=record) from None


def _locate(data: Any, loc: Sequence[int | str], label: ItemLabel) -> tuple[str, str, str | None]:
    """Return the readable path to an error, its field, and the id of the innermost entry that has one."""
    parts: list[str] = []
    key = ""  # the mapping key reached last, not yet part of the path: the field when the walk ends
    section = ""  # the key of the list entered last: the field of an error about a whole entry
    record: str | None = None
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
            if isinstance(current, Mapping) and isinstance(current.get("id"), str):
                record = current["id"]
        elif isinstance(current, Mapping) and isinstance(step, str):
            parts.append(key)
            key, current = step, None  # a missing field
        # any other step lies inside a value (a union member, a validator): it names no field
    return ": ".join(p for p in parts if p), key or section, record


def _default_label(section: str, index: int, item: Any) -> str:
    """Return ``plan p1`` for an entry with an id, else ``plans[3]`` and the entry's name in parentheses."""
    if isinstance(item, Mapping) and isinstance(item.get("id"), str) and item["id"].strip():
        singular = section[:-1] if section.endswith("s") else section
        return f"{singular} {item['id']}".strip()
    name = item.get("name") if isinstance(item, Mapping) else None
    named = f" ({name})" if isinstance(name, str) and name else ""
    return f"{section}[{index}]{named}"
