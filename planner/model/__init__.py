"""Domain records and the enums every package shares: the ground floor above ``planner.errors``.

Owns the frozen pydantic records (jurisdictions, bases, teams, equipment, hazard sites, response
standards) with their labels (``records``) and the solver outcome ``Status`` (``status``). Imports only
``planner.errors``; every other package may import it.
"""
