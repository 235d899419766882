"""Domain records and the enums every package shares: the ground floor above ``planner.errors``.

Owns the frozen pydantic records (jurisdictions, bases, teams, equipment, hazard sites, response standards:
``records``) with their coded values and labels (``codes``, standard library only), the sharing agreements
with their rate cards and cost lines (``agreements``), the reading of outside text with its limits
(``reading``), the solver outcome ``Status`` (``status``; ``cp_sat`` maps OR-Tools CP-SAT's status to it and
alone loads OR-Tools), ``cores`` (how many CPU cores the optimisers may use) and ``validation``: the one
base model, the shared field types and the one conversion of pydantic's errors into an ``InputError`` naming
what was read, the path and the field, used by every package. Imports only ``planner.errors``; every other
package may import it.
"""
