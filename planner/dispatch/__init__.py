"""Dispatch: assign teams to one or many simultaneous incidents by capability, quantity and deadline.

Owns the solver-level problem and its parsing (``problem``), the CP-SAT optimiser (``optimiser``), the
greedy baseline (``greedy``) and the adaptor from a scenario and incidents on the map to a problem and
back to routes and a ledger (``scenario``). Compensation comes from ``planner.sharing``; imports
``planner.scenario``, ``planner.model`` and ``geodata``.
"""
