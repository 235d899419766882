"""HiGHS as the planner loads it: the copy SciPy ships, one place for every caller.

The ``highspy`` wheel carries its own HiGHS library, which clashes with the HiGHS inside OR-Tools:
whichever of the two is loaded second fails to import (undefined symbols), and the planner's
optimisers load OR-Tools (CP-SAT) in every process. SciPy's copy is linked into its own extension
module and lives beside both, so the p-median LP master and the dispatch MIP use it. Its low-level
``_Highs`` class has the methods HiGHS's C++ API has (addVars, addRows, run, setCallback, ...).
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["FEASIBLE_SOLUTION", "highs_core", "new_highs"]

highs_core: Any = importlib.import_module("scipy.optimize._highspy._core")
"""SciPy's HiGHS extension module (``_Highs``, ``HighsModelStatus``, ``HighsVarType``, ``cb``)."""
FEASIBLE_SOLUTION = 2
"""HiGHS's ``primal_solution_status`` of a feasible solution (kSolutionStatusFeasible)."""


def new_highs() -> Any:
    """Return an empty HiGHS model that writes nothing to the console."""
    highs = highs_core._Highs()
    highs.setOptionValue("output_flag", False)
    return highs
