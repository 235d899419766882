"""Emergency rescue resource coordination and drill planner: the domain on top of ``geodata``.

Model types, dispatch, sharing and compensation, coverage and location models, drill programme,
simulation, evaluation, persistence and the CLI (``python -m planner``). Optimisers take plain data
(arrays and typed records) and know nothing of Flask or the database.
"""
