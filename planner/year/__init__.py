"""A year as it happens: incidents arriving over time, units busy and returning, replications with intervals.

Owns the incident-rates settings document (``rates``, registered by ``settings``), the model of a
scenario as arrays (``model``, built on the road network by ``build``), the SimPy discrete-event
simulation of one replication with its policies (``engine``: the sweep's nearest-available rule, the
dispatch optimiser, move-up by the posture engine, drill holds, compensation by the ledger's function),
results with 95 % intervals and comparisons on common random numbers (``results``), replications on the
sweep's backends (``run``) and the parameters the CLI and the job share (``parameters``). Imports
``planner.sweep``, ``planner.posture``, ``planner.drills``, ``planner.dispatch``, ``planner.coverage``,
``planner.sharing``, ``planner.scenario``, ``planner.store`` (to register its document) and
``planner.model``.
"""
