"""The HiGHS model below Pyomo, its columns held, relaxed and put back in place.

A first plan and the neighbourhoods searched around a plan
(``models.dispatch.start``, ``models.dispatch.helper``) are runs of the same
model with some columns held at values or their integrality dropped. Fixing
variables in Pyomo and pushing the change (``update()``) cost more than the runs
themselves at three times the cluster (25 s of 77 s), and each change made HiGHS
solve from scratch. Here bounds and integrality change on the HiGHS columns
directly, so each run starts warm from the basis of the one before it, and
``restore`` returns the columns to what Pyomo gave them, which Pyomo still records.
"""

from __future__ import annotations

import math
from collections.abc import Collection

import highspy
import numpy as np
import pyomo.environ as pyo
from pyomo.contrib.solver.solvers.highs import Highs


class Columns:
    """HiGHS's columns of a Pyomo model, changed in place until ``restore``."""

    def __init__(self, opt: Highs) -> None:
        self.h: highspy.Highs = opt._solver_model
        self.index: dict[int, int] = opt._pyomo_var_to_solver_var_map
        lp = self.h.getLp()
        self.lower = np.array(lp.col_lower_)
        self.upper = np.array(lp.col_upper_)
        self.kinds = np.array(lp.integrality_)
        self.changed: set[int] = set()
        self.relaxed = False
        self.objective = math.nan  # of the last run that found a plan

    def column(self, data: pyo.Var) -> int:
        return self.index[id(data)]

    def columns(self, var: pyo.Var) -> dict:
        """``{index: column}`` of every element of ``var``."""
        return {key: self.index[id(data)] for key, data in var.items()}

    def fix(self, values: dict[int, float]) -> None:
        """Hold each column ``c`` at ``values[c]`` until ``restore``."""
        if not values:
            return
        columns = np.fromiter(values, dtype=np.int32, count=len(values))
        fixed = np.fromiter(values.values(), dtype=np.float64, count=len(values))
        self.h.changeColsBounds(len(columns), columns, fixed, fixed)
        self.changed.update(values)

    def free(self, columns: Collection[int]) -> None:
        """The bounds Pyomo gave each of ``columns`` again (the rest stay as they are)."""
        if columns:
            index = np.fromiter(columns, dtype=np.int32, count=len(columns))
            self.h.changeColsBounds(len(index), index, self.lower[index], self.upper[index])

    def relax(self) -> None:
        """Drop the integrality of every column (an LP from here until ``restore``)."""
        if len(self.kinds):
            count = len(self.kinds)
            kinds = np.array([highspy.HighsVarType.kContinuous] * count)
            self.h.changeColsIntegrality(count, np.arange(count, dtype=np.int32), kinds)
            self.relaxed = True

    def restore(self) -> None:
        """The bounds and integrality Pyomo gave the columns."""
        self.free(sorted(self.changed))
        self.changed.clear()
        self.integral()

    def integral(self) -> None:
        """The integrality Pyomo gave the columns (a MIP again after ``relax``)."""
        if self.relaxed:
            count = len(self.kinds)
            columns = np.arange(count, dtype=np.int32)
            self.h.changeColsIntegrality(count, columns, self.kinds)
            self.relaxed = False

    def run(self, seconds: float, **options: object) -> np.ndarray | None:
        """The column values of one HiGHS run within ``seconds``: ``None`` if it found no plan.

        The time limit and ``options`` hold for this run only: Pyomo sets an option for
        the search only when it has a value there (no ``time_limit`` for a search
        without one), so any left behind would hold the search too.
        """
        seconds = max(seconds, 0.0)
        # HiGHS holds an LP to the run time summed over every run of the object (its issue
        # 1477; a MIP run is timed from its own start): the LPs of a chain count from now.
        limit = self.h.getRunTime() + seconds if self.relaxed else seconds
        options = {"output_flag": False, **options, "time_limit": limit}
        before = {name: self.h.getOptionValue(name)[1] for name in options}
        for name, value in options.items():
            self.h.setOptionValue(name, value)
        try:
            self.h.run()
        finally:
            for name, value in before.items():
                self.h.setOptionValue(name, value)
        if (
            self.h.getInfo().primal_solution_status
            != highspy.SolutionStatus.kSolutionStatusFeasible
        ):
            return None
        if self.relaxed and self.h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        self.objective = self.h.getInfo().objective_function_value
        return np.array(self.h.getSolution().col_value)

    def values(self, solution: np.ndarray, var: pyo.Var) -> dict:
        """``{index: value}`` of ``var`` in a run's ``solution``."""
        return {key: float(solution[self.column(data)]) for key, data in var.items()}

    def load(self, values: np.ndarray, m: pyo.ConcreteModel) -> None:
        """Give each variable of ``m`` its column's value in ``values``.

        As Pyomo loads the search's own plan: a plan found by another run of the same
        model (the helper's) is read from the variables like the search's.
        """
        for data in m.component_data_objects(pyo.Var, descend_into=True):
            column = self.index.get(id(data))
            if column is not None:
                data.set_value(float(values[column]), skip_validation=True)

    def rounded(self, values: np.ndarray) -> np.ndarray:
        """``values`` with every integer column on its integer.

        HiGHS takes a discrete value off its integer by 1e-9 as missing from a start.
        """
        values = values.copy()
        if len(self.kinds):  # HiGHS lists no integrality for an LP
            integer = self.kinds == highspy.HighsVarType.kInteger
            values[integer] = np.round(values[integer])
        return values

    def as_start(self, values: np.ndarray) -> highspy.HighsSolution:
        """``values`` as a HiGHS start (``setSolution``), every integer column on its integer."""
        return highs_solution(self.rounded(values))

    def search_from(
        self, plan: np.ndarray, objective: float, seconds: float, **options: object
    ) -> tuple[float, np.ndarray] | None:
        """A MIP run from ``plan`` (of ``objective``) under the columns held now.

        Its plan and objective when it found a cheaper one, else ``None``.
        """
        self.integral()
        self.h.setSolution(self.as_start(plan))
        found = self.run(seconds, **options)
        if found is None or self.objective >= objective:
            return None
        return self.objective, found


def highs_solution(values: np.ndarray) -> highspy.HighsSolution:
    """``values`` of every column as a ``HighsSolution`` to hand HiGHS (``setSolution``)."""
    solution = highspy.HighsSolution()
    solution.col_value = list(values)
    solution.value_valid = True
    return solution
