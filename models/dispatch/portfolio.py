"""Several HiGHS searches with different random seeds, side by side: the first proof wins.

HiGHS's branch-and-bound runs on one thread, and how long it takes to close
the last 0.01 % of gap depends much on its random seed (on the
``small-22-hs`` example 17 s to 63 s across seeds). Running one search per
core, each in its own process, and keeping the first that proves optimality
turns that spread into the best of N. When every search stops at the time
limit (or a HiGHS work limit) instead, the best plan is kept and the highest
bound HiGHS proved in any search, valid for all, is reported with it
(``highs_bound``, and clamped to the plan's objective as ``bound``).

A signal (Ctrl-C, SIGTERM) to this process is passed on once to every search
still running; each stops cleanly and returns its best plan, and the best of
them is returned with status ``"interrupted"``. Ctrl-C at a terminal reaches
the searches themselves too; they then count it as their own signal.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue as queue_module
import signal
import time
from dataclasses import replace

from models.dispatch.diagnose import NoFeasiblePlanError
from models.dispatch.highs import SOLVER_PROCESSES, stop_on_signals
from models.dispatch.options import SolveOptions
from models.dispatch.rounds import InterruptedSolveError, solve_single
from models.dispatch.solution import Solution, relative_gap, reported_bound
from models.instance.schema import Instance

# A search started while its parent is signalled may still be building its model, with no
# handler of its own yet: the signal is passed on again after this long [s].
FORWARD_AGAIN_S = 5.0
# A search still running this long after the time limit is stuck (it builds and reads
# back its plan in seconds): it is stopped and the other searches' plans count [s].
STUCK_AFTER_LIMIT_S = 120.0


def _search(inst: Instance, options: SolveOptions, seed: int, queue: mp.Queue) -> None:
    opts = replace(
        options,
        portfolio=1,
        helper=False,  # the searches have the cores
        # One thread each: the searches are the parallelism, and a multi-threaded HiGHS
        # search was seen waiting on its own workers for ever (CI, standalone pass).
        threads=options.threads or 1,
        log=options.log and seed == 0,  # one log on the console, not N interleaved
        highs_options=(*options.highs_options, ("random_seed", seed)),
    )
    try:
        queue.put(("ok", seed, solve_single(inst, opts)))
    except InterruptedSolveError as exc:
        queue.put(("interrupted", seed, exc.cause))
    except NoFeasiblePlanError as exc:
        queue.put(("infeasible", seed, exc.cause))
    except Exception as exc:
        queue.put(("error", seed, f"{type(exc).__name__}: {exc}"))


def solve_portfolio(inst: Instance, options: SolveOptions) -> Solution:
    """Run ``options.portfolio`` seeded searches in fresh processes; see the module doc."""
    queue: mp.Queue = SOLVER_PROCESSES.Queue()
    started = time.perf_counter()
    # A stream cannot be sent to another process: the searches log to their stderr.
    sent = replace(options, log_stream=None)
    procs = [
        SOLVER_PROCESSES.Process(target=_search, args=(inst, sent, seed, queue), daemon=True)
        for seed in range(options.portfolio)
    ]
    for proc in procs:
        proc.start()
    finished: list[Solution] = []
    interrupted: list[str] = []
    reported: set[int] = set()
    forwarded_at: float | None = None
    give_up = (
        None
        if options.time_limit_s is None
        else time.monotonic() + options.time_limit_s + STUCK_AFTER_LIMIT_S
    )
    try:
        with stop_on_signals() as stop:
            while len(reported) < len(procs):
                now = time.monotonic()
                due = forwarded_at is None or now - forwarded_at > FORWARD_AGAIN_S
                if stop.requested and due:
                    # Again after a while: a search still building its model has no handler yet.
                    forwarded_at = now
                    for seed, proc in enumerate(procs):
                        if seed not in reported and proc.is_alive() and proc.pid is not None:
                            os.kill(proc.pid, signal.SIGINT)
                try:
                    kind, seed, payload = queue.get(timeout=0.2)
                except queue_module.Empty:
                    stuck = give_up is not None and time.monotonic() > give_up
                    for seed, proc in enumerate(procs):
                        if seed in reported:
                            continue
                        if not proc.is_alive():
                            reported.add(seed)  # ended by a signal before it could report
                            interrupted.append(f"search {seed} ended (exit code {proc.exitcode})")
                        elif stuck:
                            proc.kill()
                            reported.add(seed)
                            interrupted.append(
                                f"search {seed} did not return within {STUCK_AFTER_LIMIT_S:.0f} s "
                                "of the time limit"
                            )
                    continue
                reported.add(seed)
                if kind == "infeasible":
                    raise NoFeasiblePlanError(payload)
                if kind == "error":
                    raise RuntimeError(f"HiGHS search with seed {seed} failed: {payload}")
                if kind == "interrupted":
                    interrupted.append(payload)
                    continue
                finished.append(payload)
                if payload.status == "optimal" and not stop.requested:
                    break
            was_stopped = stop.requested
    finally:
        # Killed, not terminated: a search that caught SIGTERM stops cleanly and puts its
        # plan on the queue, which nobody reads any more once a search has proved its
        # plan optimal; its exit then waits for ever to write it, and so does our join.
        for proc in procs:
            if proc.is_alive():
                proc.kill()
            proc.join()
    if not finished:
        raise InterruptedSolveError(interrupted[0])
    best = min(finished, key=lambda s: s.objective)
    highs_bound = max(s.highs_bound for s in finished)
    bound = reported_bound(best.objective, highs_bound)
    return replace(
        best,
        status="interrupted" if was_stopped and best.status != "optimal" else best.status,
        bound=bound,
        highs_bound=highs_bound,
        gap=relative_gap(best.objective, bound),
        solve_seconds=time.perf_counter() - started,
        extra={**best.extra, "portfolio": options.portfolio, "searches_finished": len(finished)},
    )
