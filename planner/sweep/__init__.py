"""Sweeps: thousands of random incidents, each answered on a precomputed matrix.

Incidents are drawn by risk grade and time of day (``engine``), evaluated in chunks on a small model
(``incidents``, the only part a worker imports, with ``chunks``) and run serially, on local processes or
on a Dask cluster (``backends``).

Back-ends receive the chunk function and the model from the engine; they do not import it. Imports
``planner.coverage``, ``planner.scenario`` and ``planner.model``.
"""
