"""Personal data by role: people's names, phone numbers and certificate numbers only for those who may see them.

Planners and admins (permission ``view_personal``) see people whole; viewers and dispatchers see what
:func:`planner.model.personnel.public_view` leaves (roles, squads, which certificates are held and until
when), so they can count people and qualifications but never learn who they are. Every page and API
answer that shows a person, or an audit entry of one, goes through this module.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_login import current_user

from planner.model.personnel import PERSONAL_FIELDS, public_view
from planner.model.records import stored_fields
from planner.scenario.files import records_csv
from planner.scenario.model import Scenario

PERSONAL_KINDS = frozenset({"people"})
"""Record kinds that hold personal data."""


def sees_personal_data() -> bool:
    """Whether the signed-in user may see people's names, phone numbers and certificate numbers."""
    return bool(current_user.is_authenticated and current_user.can("view_personal"))


def shown_record(kind: str, data: dict[str, Any], personal: bool | None = None) -> dict[str, Any]:
    """Return a record as the reader may see it (``personal`` None: as the signed-in user may)."""
    allowed = sees_personal_data() if personal is None else personal
    return data if allowed or kind not in PERSONAL_KINDS else public_view(data)


def shown_audit(entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return audit entries as the signed-in user may see them: a person's before and after without personal data."""
    allowed = sees_personal_data()
    shown = []
    for entry in entries:
        if not allowed and entry.get("kind") in PERSONAL_KINDS:
            entry = {**entry, **{side: public_view(entry[side]) for side in ("before", "after")
                                 if isinstance(entry.get(side), dict)}}
        shown.append(entry)
    return shown


def shown_csv(scenario: Scenario, kind: str) -> str:
    """Return one record kind as CSV (the columns an import reads back) as the signed-in user may see it.

    Readers who may not see personal data get people without the name and phone columns and without
    certificate numbers.
    """
    personal = sees_personal_data()
    columns = [c for c in stored_fields(kind)
               if personal or kind not in PERSONAL_KINDS or c not in PERSONAL_FIELDS]
    return records_csv(kind, [shown_record(kind, r.model_dump(mode="json"), personal) for r in scenario.records(kind)],
                       columns)
