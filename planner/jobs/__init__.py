"""Background jobs: the runner (``runner``: queue, progress, results in the store) and the job kinds.

``kinds`` registers each long job (drill planning, sweeps, ...) with the runner; the runner never
imports the kinds, so the domain packages stay below it. Imported by the web app and the CLI only.
"""
