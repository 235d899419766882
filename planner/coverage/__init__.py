"""Coverage of hazard sites against response standards, and what-if plans.

Owns the one coverage verdict (``verdict``: does a site meet each of its standards, from travel times)
used by every page, command and job, and the what-if plans built on it (``whatif``: close a base, move
teams, add bases chosen by a location model). Imports ``planner.scenario``, ``planner.locate``,
``planner.model`` and ``geodata``.
"""
