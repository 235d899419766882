"""Coverage of hazard sites against response standards, and what-if plans.

Owns the one coverage rule (``rule``: from travel times, whether a site meets each of its standards:
who counts, arrival with its access leg, the tolerance, pass and backup counts, standard met), the
report built on it (``verdict``: responders, shortfalls and the gap list, used by every page,
command and job), the what-if plans (``whatif``: close a base, move teams, add bases chosen by a
location model) and coverage "available now" against "nominal" (``available``: the teams the
availability function says cannot answer left out). Imports ``planner.availability``,
``planner.scenario``, ``planner.locate``, ``planner.model`` and ``geodata``.
"""
