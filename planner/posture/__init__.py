"""Posture under early warnings: warnings, the readiness they raise and standby moves.

CAP 1.2 warnings (``warnings``), the readiness they raise (``readiness``) and the pre-positioning
optimiser that proposes standby moves (``prepositioning``).

Imports ``planner.coverage``, ``planner.dispatch``, ``planner.sharing``, ``planner.drills`` (the
calendar), ``planner.scenario`` and ``planner.model``.
"""
