"""Drills: plans, the calendar, the annual programme, design, simulation, evaluation, actions, reports.

``plans`` and ``calendar`` are the rules and the year; ``programme`` schedules the year (CP-SAT: the model in
``programme_model``, the drills it may place in ``programme_slots``, the on-duty coverage it keeps in
``programme_cover``) and ``programme_check`` re-derives every rule independently; ``design`` builds a
drill from a template;
``simulate`` runs it (SimPy) on a case ``sim_case`` builds from the scenario; ``evaluation`` scores an
observed timeline; ``improvement`` tracks corrective actions; ``reports`` renders them; ``records`` keeps
programmes, drills and actions in the store; ``evaluation_store`` is the one procedure that evaluates a
stored drill (web and CLI) and keeps every evaluation as history; ``settings`` registers the plans and
calendar documents with the store and reads them back. Imports ``planner.coverage``,
``planner.scenario``, ``planner.store`` and ``planner.model``.
"""
