"""Coverage of hazard sites against response standards, and what-if plans.

Owns the one coverage rule (``rule``: from travel times, whether a site meets each of its standards:
who counts, arrival with its access leg, the tolerance, pass and backup counts, standard met), the
report built on it (``verdict``: responders, shortfalls and the gap list, used by every page,
command and job) and the what-if plans (``whatif``: close a base, move teams, add bases chosen by a
location model). Imports ``planner.scenario``, ``planner.locate``, ``planner.model`` and ``geodata``.
"""
