"""A second process that looks for cheaper plans while HiGHS searches, and hands them over.

HiGHS's branch-and-bound runs on one core, and on the generated days its own
heuristics improve little on the start (on 7 days of 12 the plan after 120 s was
the start's). What does improve a plan there is a search restricted around it:
holding only the sites of the jobs held to one data centre and re-choosing
everything else found 414,905 ¥ on 2026-11-15, where the start had 417,123 ¥ and
the search still had it 120 s later. The machine has two cores, so the helper
runs on the other one:

1. it builds the same model from the same instance (the same HiGHS columns in the
   same order, which it checks by their count and costs);
2. it takes the best plan the search knows (the start's, then each plan the
   search improves to) and searches neighbourhoods of the best plan it knows,
   its own or the search's: each a short MIP with the integers outside the
   neighbourhood held at that plan's values (``neighbourhoods``). Each cheaper
   plan goes to the search.

The search asks for plans through HiGHS's user-solution callback (after its root
LP, after each cut round of the root, before each dive), and HiGHS checks a plan
against the model before it keeps it. The search is the one it would be without
the helper, which only ever brings plans: it never changes the optimum.
"""

from __future__ import annotations

import contextlib
import io
import multiprocessing as mp
import os
import queue as queue_module
import random
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import highspy
import numpy as np
import pyomo.environ as pyo
from pyomo.contrib.solver.solvers.highs import Highs

from models.dispatch.build import build_model
from models.dispatch.columns import Columns
from models.dispatch.highs import SOLVER_PROCESSES, load_model
from models.dispatch.options import SolveOptions
from models.dispatch.sets import build_sets
from models.instance.schema import Instance

# Each neighbourhood's MIP: its time and gap [s, relative]. Holding only the sites
# reached its better plans within 9-25 s on the generated days; one job's site set
# free and a window of steps are smaller MIPs.
SITES_SECONDS = 30.0
# In a cluster of more data centres than today's 11 the MIP with the sites held is
# larger than a day's: at ×3 (33) its root's cut rounds end at 18 s, and the sub-MIP
# HiGHS runs after them found its first plan (1,678,107 ¥ against the start's 1,702,822)
# at 36 s. It gets this long there.
LARGE_CLUSTER_DATACENTRES = 11
LARGE_SITES_SECONDS = 45.0
ONE_SITE_SECONDS = 15.0
WINDOW_SECONDS = 10.0
NEIGHBOURHOOD_GAP = 1e-4
# A window frees every integer of this many steps (six hours of 15 minutes).
WINDOW_STEPS = 24
# How long the helper waits for the search's first plan at a time, before it checks
# whether it is to stop [s].
WAIT_S = 0.5
# The log line that says what the helper brought.
HELPER_MARK = "Suandian helper:"
# By default a helper only for a model with this many integer columns or more: starting
# one takes seconds (a fresh process, its imports and model), which a small model's
# whole search does not last (small-22-hs has 288 and proves its gap in about 4 s). The
# generated days have about 2,000 and large-14 1,056 (median of three seeds to 1e-4
# 23.9 s with a helper, 26.8 s without). The medium days have 576, and there the time
# to 1e-4 goes on finding the last plan: on eight days re-drawn from medium-12, three
# seeds each, the median went from 9.0 s to 6.2 s with a helper (benchmarks/README.md).
HELPER_MIN_INTEGERS = 500


@dataclass(frozen=True)
class Neighbourhood:
    """Integer columns held at the plan's values; every other column is free."""

    kind: str
    held: tuple[int, ...]
    seconds: float


def neighbourhoods(
    m: pyo.ConcreteModel, cols: Columns, seed: int, window_steps: int = WINDOW_STEPS
) -> Iterator[Neighbourhood]:
    """The neighbourhoods searched around the best plan, in order, without end.

    First the sites of the held jobs held together (everything else free; for
    ``SITES_SECONDS``, or ``LARGE_SITES_SECONDS`` in a large cluster), then each
    held job's sites free in turn, then windows of ``window_steps`` steps at random
    offsets (``seed``), in which the blocks and on/off states are free and the sites held.
    """
    blocks = cols.columns(m.dc_blocks_on)
    on = cols.columns(m.placement_on)
    sites = cols.columns(m.placement_assigned)
    held_jobs = sorted({j for j, _d in sites})
    if sites:
        large = len(m.dispatch_sets.DC) > LARGE_CLUSTER_DATACENTRES
        seconds = LARGE_SITES_SECONDS if large else SITES_SECONDS
        yield Neighbourhood("the sites held", tuple(sites.values()), seconds)
        for job in held_jobs:
            others = tuple(c for (j, _d), c in sites.items() if j != job)
            yield Neighbourhood("one job's sites free", others, ONE_SITE_SECONDS)
    steps = len(m.T)
    rng = random.Random(seed)
    while True:
        first = rng.randrange(max(1, steps - window_steps + 1))
        window = range(first, min(steps, first + window_steps))
        held = [c for (_d, t), c in blocks.items() if t not in window]
        held += [c for (_j, t), c in on.items() if t not in window]
        held += sites.values()
        yield Neighbourhood("a window of steps free", tuple(held), WINDOW_SECONDS)


def _fingerprint(h: highspy.Highs) -> tuple[int, float]:
    """Column count and a checksum of the costs: the helper's model is the search's."""
    costs = np.array(h.getLp().col_cost_)
    return len(costs), float(np.dot(costs, np.arange(1, len(costs) + 1)))


def _help(
    inst: Instance,
    options: SolveOptions,
    fingerprint: tuple[int, float],
    plans: queue_module.Queue,
    incumbents: queue_module.Queue,
    parent: int,
) -> None:
    """The helper process: neighbourhoods of the best plan known, until its time is up.

    Without a time limit it runs until the search kills it (``Helper.close``), or until
    the search's process ``parent`` is gone without doing so (killed by SIGKILL, say):
    an orphan is handed to another parent, which the helper sees and ends. The pid
    comes from the search, since it may be gone before the helper has imported anything.
    """
    # Ctrl-C at a terminal reaches the whole process group; the search stops the helper.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        deadline = None if options.time_limit_s is None else time.monotonic() + options.time_limit_s
        m = build_model(inst, build_sets(inst), tightenings=options.tightenings)
        opt = load_model(m)
        cols = Columns(opt)
        h = cols.h
        if _fingerprint(h) != fingerprint:
            plans.put(("error", "the helper's model differs from the search's"))
            return
        h.setOptionValue("threads", 1)

        def stopped() -> bool:
            if os.getppid() != parent:
                return True
            return deadline is not None and time.monotonic() > deadline

        def interrupt(event) -> None:
            if stopped():
                event.interrupt()

        h.cbSimplexInterrupt += interrupt
        h.cbIpmInterrupt += interrupt
        h.cbMipInterrupt += interrupt
        best = None
        seed = dict(options.highs_options).get("random_seed", 0)
        for hood in neighbourhoods(m, cols, int(seed)):
            best = _newest(best, incumbents, stopped)
            if best is None:
                break  # stopped before the search had a plan
            objective, plan = best
            cols.fix({c: round(plan[c]) for c in hood.held})
            seconds = hood.seconds
            if deadline is not None:
                seconds = min(seconds, deadline - time.monotonic())
            found = cols.search_from(plan, objective, seconds, mip_rel_gap=NEIGHBOURHOOD_GAP)
            cols.restore()
            h.clearSolver()
            if found is not None:
                best = (found[0], cols.rounded(found[1]))
                plans.put(("plan", *best, hood.kind))
            if stopped():
                break
    except Exception as exc:  # the search goes on without the helper; it reports why
        plans.put(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        if os.getppid() != parent:
            # Nobody reads the plans any more: the exit must not wait to write them.
            plans.cancel_join_thread()


def _newest(
    best: tuple[float, np.ndarray] | None,
    incumbents: queue_module.Queue,
    stopped: Callable[[], bool],
) -> tuple[float, np.ndarray] | None:
    """``best``, or a cheaper plan the search has sent since; without ``best``, the first.

    Waits for the search's first plan (``None`` if it is stopped before one comes).
    """
    while True:
        try:
            objective, plan = (
                incumbents.get(timeout=WAIT_S) if best is None else (incumbents.get_nowait())
            )
        except queue_module.Empty:
            if best is not None or stopped():
                return best
            continue
        if best is None or objective < best[0]:
            best = (objective, plan)


class Helper:
    """The helper process seen from the search: its plans in, the search's plans out.

    Creating one starts the process and subscribes HiGHS's callbacks; ``close`` stops
    the helper and unsubscribes. ``offered`` counts the plans handed to HiGHS.
    """

    def __init__(self, inst: Instance, options: SolveOptions, opt: Highs) -> None:
        self.h = opt._solver_model
        self.plans = SOLVER_PROCESSES.Queue()
        self.incumbents = SOLVER_PROCESSES.Queue()
        # One thread: the search has the other core. A stream cannot go to another process.
        sent = replace(options, log_stream=None, log=False, threads=1)
        self.proc = SOLVER_PROCESSES.Process(
            target=_help,
            args=(inst, sent, _fingerprint(self.h), self.plans, self.incumbents, os.getpid()),
            daemon=True,
        )
        self.proc.start()
        self.best: tuple[float, np.ndarray] | None = None
        self.best_offered = False
        self.offered = 0
        self.received = 0
        self.found_by: dict[str, int] = {}  # plans per kind of neighbourhood
        self.error: str | None = None
        self.h.cbMipUserSolution.subscribe(self._offer)
        self.h.cbMipImprovingSolution.subscribe(self._tell)

    def _drain(self) -> None:
        while True:
            try:
                kind, *payload = self.plans.get_nowait()
            except queue_module.Empty:
                return
            if kind == "error":
                self.error = payload[0]
                continue
            self.received += 1
            objective, plan, kind = payload
            self.found_by[kind] = self.found_by.get(kind, 0) + 1
            if self.best is None or objective < self.best[0]:
                self.best = (objective, plan)
                self.best_offered = False

    def _offer(self, event) -> None:
        """HiGHS asks for a plan: the helper's best, if cheaper than the incumbent."""
        self._drain()
        if self.best is None or self.best_offered:
            return
        objective, plan = self.best
        incumbent = event.data_out.objective_function_value
        if objective < incumbent - 1e-9 * max(1.0, abs(incumbent)):
            event.data_in.setSolution(plan)
            event.data_in.user_has_solution = True
            self.best_offered = True
            self.offered += 1

    def cheaper(self, objective: float) -> tuple[float, np.ndarray] | None:
        """The helper's best plan if it is cheaper than ``objective`` (the search's, at its end).

        HiGHS asks for plans only at points of its search, and a root whose cut rounds
        last the whole time limit asks for none after them: a plan the helper found
        then would be lost. Call after ``close``, which collects the last plans.
        """
        if self.best is None or self.best[0] >= objective - 1e-9 * max(1.0, abs(objective)):
            return None
        return self.best

    def tell(self, objective: float, plan: np.ndarray) -> None:
        """The search has ``plan``: the helper searches around it from now on."""
        self.incumbents.put((objective, plan))

    def _tell(self, event) -> None:
        """HiGHS improved its incumbent."""
        self.tell(event.data_out.objective_function_value, np.array(event.data_out.mip_solution))

    def close(self, log: io.StringIO | None = None) -> dict:
        """Stop the helper and say what it brought; closing again does nothing more.

        The helper is killed, not asked to stop: it holds nothing but its own model,
        and may still be importing or building it when a short search has ended.
        With ``log``, one line says what it brought.
        """
        if self.proc is not None:
            self.h.cbMipUserSolution.unsubscribe(self._offer)
            self.h.cbMipImprovingSolution.unsubscribe(self._tell)
            self._drain()
            self.proc.kill()
            self.proc.join()
            for channel in (self.plans, self.incumbents):
                channel.cancel_join_thread()
                channel.close()
            self.proc = None
        figures = {
            "helper_plans": self.received,
            "helper_plans_offered": self.offered,
            "helper_found_by": dict(self.found_by),
        }
        if self.best is not None:
            figures["helper_best_objective"] = self.best[0]
        if self.error is not None:
            figures["helper_error"] = self.error
        if log is not None:
            best = "none" if self.best is None else f"{self.best[0]:.6f}"
            failed = "" if self.error is None else f"; it failed: {self.error}"
            log.write(
                f"{HELPER_MARK} {self.received} plans, {self.offered} handed to HiGHS,"
                f" best {best}{failed}\n"
            )
        return figures


@contextlib.contextmanager
def helping(
    inst: Instance, options: SolveOptions, opt: Highs, m: pyo.ConcreteModel
) -> Iterator[Helper | None]:
    """A helper for the search on ``opt`` while the block runs, if one is ``wanted``."""
    assistant = Helper(inst, options, opt) if wanted(options, inst, opt, m) else None
    try:
        yield assistant
    finally:
        if assistant is not None:
            assistant.close()


def wanted(options: SolveOptions, inst: Instance, opt: Highs, m: pyo.ConcreteModel) -> bool:
    """Whether a solve with ``options`` gets a helper (``SolveOptions.helper``).

    Never beside a portfolio (its searches have the cores), for a given plan to
    start from (an intraday revision, whose start is that plan), for a model with
    fixed variables (a plan's first stage evaluated: the helper's model has none), or
    in a daemonic process, which may not start one. By default only on a machine
    of two cores or more, for a model of ``HELPER_MIN_INTEGERS`` integer columns or
    more: with placement rules or without (the v1 days, whose gap at 120 s is the
    plan's more than the bound's, gain the most).
    """
    if options.helper is False or options.portfolio > 1 or options.start_plan is not None:
        return False
    if mp.current_process().daemon:
        return False
    if any(data.fixed for data in m.component_data_objects(pyo.Var)):
        return False
    if options.helper is None:
        kinds = np.array(opt._solver_model.getLp().integrality_)
        integers = int(np.count_nonzero(kinds == highspy.HighsVarType.kInteger))
        return (os.cpu_count() or 1) >= 2 and integers >= HELPER_MIN_INTEGERS
    return True
