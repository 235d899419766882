"""Posture under early warnings: warnings, the readiness they raise and standby moves.

Early warnings (``warnings``: the record, hand entry; ``cap``: CAP 1.2 files), the site grades they
raise (``risk``), the readiness they raise (``readiness``), road rules (``closures``), the
warning-rules document (``rules``) and standby points (``staging``) as parsed, the pre-positioning optimiser
on plain data (``optimiser``) and the operation that builds its problem from a scenario and reports the
proposed standby moves (``prepositioning``); ``settings`` registers the warning-rules and
staging-points documents with the store and reads a scenario's posture inputs back.

Imports ``planner.coverage``, ``planner.dispatch``, ``planner.sharing``, ``planner.drills`` (the
calendar), ``planner.store`` (settings documents), ``planner.scenario`` and ``planner.model``.
"""
