"""The HiGHS call: one run on a built model, and what its stop means for a plan.

The model is handed to HiGHS in memory through Pyomo's persistent ``highs``
interface (no files), once; each run then re-solves it warm with the
remaining time. Kept apart from the rounds that call it (``models.dispatch.rounds``)
so that every HiGHS option is passed in one place.

A solve can be stopped cleanly: while it runs (:func:`stop_on_signals`),
SIGINT (Ctrl-C) and SIGTERM (``kill``, a Dagster run terminated in the UI)
only set a :class:`StopRequest`, which HiGHS's interrupt callbacks read; HiGHS
then returns its best plan and bound, as at a time limit.
"""

from __future__ import annotations

import contextlib
import io
import logging
import multiprocessing as mp
import signal
import sys
import threading
import time
from collections.abc import Iterator
from typing import TextIO

import highspy
import pyomo.environ as pyo
from pyomo.contrib.solver.common.results import Results, TerminationCondition
from pyomo.contrib.solver.solvers.highs import Highs

from models.dispatch.options import SolveOptions

SIGNALS = (signal.SIGINT, signal.SIGTERM)

# Processes that solve (portfolio searches, backtest workers) are spawned, never forked: a
# fork copies the thread pools of HiGHS and Arrow (jemalloc) from an earlier solve without
# their threads, and the child may then wait on them forever.
SOLVER_PROCESSES = mp.get_context("spawn")


class _InterruptStatus(logging.Filter):
    """Pyomo warns of HiGHS's ``kInterrupt`` status, which it does not map; here it is asked for."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "kInterrupt" not in record.getMessage()


logging.getLogger("pyomo.contrib.solver.solvers.highs").addFilter(_InterruptStatus())


class StopRequest:
    """Signals received during a solve; HiGHS stops once more arrived than ``allowed``.

    ``allowed`` is raised to the count so far when a stopped solve still needs
    a short run to finish its plan (the storage repair): a further signal stops that too.
    """

    def __init__(self) -> None:
        self.signals: list[int] = []
        self.allowed = 0

    @property
    def requested(self) -> bool:
        return len(self.signals) > 0

    @property
    def stop_now(self) -> bool:
        return len(self.signals) > self.allowed

    def receive(self, signum: int, _frame: object = None) -> None:
        self.signals.append(signum)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[StopRequest]:
    """Catch SIGINT and SIGTERM into a ``StopRequest`` for the duration of a solve.

    The previous handlers are restored afterwards. Python runs signal handlers
    in the main thread only, so elsewhere (a Dagster step thread) nothing is
    installed and the request is never set.
    """
    stop = StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    previous = {sig: signal.getsignal(sig) for sig in SIGNALS}
    for sig in SIGNALS:
        signal.signal(sig, stop.receive)
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)


def load_model(m: pyo.ConcreteModel, stop: StopRequest | None = None) -> Highs:
    """A HiGHS instance holding ``m``, to be run (and re-run after changes) with ``run``.

    With ``stop``, HiGHS's simplex, IPM and MIP interrupt callbacks end the
    run as soon as ``stop.stop_now``.
    """
    opt = Highs()
    opt.set_instance(m)
    if stop is not None:

        def interrupt(event) -> None:
            if stop.stop_now:
                event.interrupt()

        solver = opt._solver_model  # the highspy.Highs object Pyomo runs
        solver.cbSimplexInterrupt += interrupt
        solver.cbIpmInterrupt += interrupt
        solver.cbMipInterrupt += interrupt
    return opt


def interrupted(opt: Highs) -> bool:
    """Whether HiGHS's last run ended on an interrupt callback."""
    return opt._solver_model.getModelStatus() == highspy.HighsModelStatus.kInterrupt


def run(
    opt: Highs,
    m: pyo.ConcreteModel,
    options: SolveOptions,
    time_limit: float | None,
    log: io.StringIO,
) -> Results:
    """Solve ``m`` once; the values stay in HiGHS until ``res.solution_loader`` loads them."""
    tee: list[TextIO] = [log]
    if options.log:
        tee.append(options.log_stream or sys.stderr)
    return opt.solve(
        m,
        tee=tee,
        rel_gap=options.mip_rel_gap,
        time_limit=time_limit,
        threads=options.threads,
        load_solutions=False,
        raise_exception_on_nonoptimal_result=False,
        solver_options=dict(options.highs_options),
    )


def status(tc: TerminationCondition) -> str:
    """The ``Solution.status`` of a run that stopped with ``tc`` and has a plan."""
    if tc == TerminationCondition.convergenceCriteriaSatisfied:
        return "optimal"
    # Pyomo maps HiGHS's node, leaf, improving-solution and iteration limits here.
    if tc == TerminationCondition.iterationLimit:
        return "iteration_limit"
    return "time_limit"


def remaining(options: SolveOptions, started: float) -> float | None:
    """Seconds left of ``options.time_limit_s`` since ``started`` (``None`` for no limit)."""
    if options.time_limit_s is None:
        return None
    return max(0.0, options.time_limit_s - (time.perf_counter() - started))
