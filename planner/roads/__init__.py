"""Roads as they are on the day: closure sets, time-of-day speed bands, and the one travel network they make.

Owns two settings documents of a scenario, registered with ``planner.store`` so they are loaded from a
scenario folder, versioned and audited when edited, and exported like the others: ``closures``
(``closures.yaml``: named closure sets, :mod:`planner.roads.closures`) and ``speed_profiles``
(``speed_profiles.yaml``: time bands with speed factors per road class and their source,
:mod:`planner.roads.bands`). :func:`planner.roads.conditions.travel_network` is the one function that
turns (scenario, closure set, time band) into the travel-time network every analysis routes on
(coverage, what-if, dispatch, posture, sweep, drills), with the list of closures that applied;
:func:`planner.roads.day.on_the_day` reads a moment once for both what it means: the teams on duty then
and the roads' time band then. Imports ``planner.scenario``, ``planner.store`` (the register only),
``planner.model``, ``planner.availability`` (day.py only) and ``geodata``.
"""
