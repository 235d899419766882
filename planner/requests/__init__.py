"""Requests for help across jurisdictions: province - city - county, with approvals, deployments and claims.

A county asks its city for help; the city approves, amends or escalates to the province (by itself after
a configurable time when the city cannot meet it); the lenders confirm or decline what they send; units
depart, arrive, are released and return; the claim is generated from the one ledger function and is
reviewed, disputed and paid. Owns the request's data and state machine (``model``), the proposal from the
one dispatch optimiser over the lenders allowed at a level (``proposal``), the claims and their CSV and PDF
exports (``claims``) and the stored requests with their conditional, audited changes (``service``).
Imports ``planner.dispatch``, ``planner.sharing``, ``planner.drills`` (a drill's site and the report
styles), ``planner.store``, ``planner.scenario`` and ``planner.model``.
"""
