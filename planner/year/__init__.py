"""A year as it happens: incidents arriving over time, units busy and returning, replications with intervals.

Owns the incident-rates settings document (``rates``, registered by ``settings``), the model of a
scenario as arrays (``model``, built on the road network by ``build``), the dispatch policies
(``policies``: the sweep's nearest-available rule, the dispatch optimiser), the SimPy discrete-event
simulation of one replication (``engine``: queueing, move-up by the posture engine, drill holds,
compensation by the ledger's function), results with 95 % intervals and comparisons on common random
numbers (``results``), replications on the sweep's backends (``run``), the parameters the CLI and the
job share (``parameters``) and the run from a scenario's settings both use (``service``). Imports
``planner.sweep``, ``planner.posture``, ``planner.drills``, ``planner.dispatch``, ``planner.coverage``,
``planner.sharing``, ``planner.scenario``, ``planner.store`` (to register its document) and
``planner.model``.
"""
