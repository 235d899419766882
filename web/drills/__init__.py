"""The drills area of the web app: the pages (``pages``) and the JSON API (``api``).

Plans, the year's programme, drill design, simulation, evaluation, reports and corrective actions.

Both views call ``planner.drills``; neither imports the other.
"""
