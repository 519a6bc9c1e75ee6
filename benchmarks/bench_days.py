"""Generated days and examples to gap 1e-4: time to 1e-3 and to 1e-4, objective, bound, memory.

    .venv/bin/python benchmarks/bench_days.py [--cases 2026-07-15 large-14 ...]
        [--rules default|v1|full|priced|train-site|train-restart] [--seeds 0 1 2]
        [--time-limit 120] [--threads 1]
        [--tightenings NAME ...] [--highs KEY=VALUE ...] [--logs DIR]

Cases (default: all of them): ``2026-MM-15`` builds that day with the default
data (``models.forecast.build_instance``); ``medium-12`` and ``large-14`` are the
examples of ``data/examples``. ``48h:<day>`` is that day and the next as one
192-step instance (``build_instance(horizon_hours=48)``, as ``suandian instance
--horizon-hours 48`` writes it). ``x2:<day>`` and ``x3:<day>`` are the day's
instance with the fleet repeated two or three times (:func:`scaled`): 22 or 33
data centres, 200,000 or 300,000 racks, twice or three times the jobs and the
batteries, the grid connection and every plant's power multiplied. ``medium:<k>`` is
medium-12 re-drawn with seed ``k`` (:func:`medium_like`): a medium day built like it.

``--rules`` chooses the placement rules of the generated days: ``default`` as
``data/qingyang.toml`` sets them (what the pipeline solves), ``v1`` with every
extension key removed (the contract-v1 problem), ``full`` with every rule of
``docs/data-sources.md`` B10 switched on, ``priced`` with B10's sites, restart
and migration costs but no ``min_mw`` or ``min_run_steps``, ``train-site`` training
held to one site only (free to pause), ``train-restart`` that and its restart price
without the default's floor of 30 % of ``max_mw``.

Each (case, seed) runs in a fresh process, so its peak RSS is its own. One
solve to gap 1e-4 gives both times: the time to 1e-3 is read from the HiGHS log
(the first progress line at or below 0.1 %). Printed per run: instance build s,
model build s, solver s to 1e-3 and to 1e-4 (``-`` if not reached, then the gap
at the limit), objective, bound, the root bound after HiGHS's cuts, B&B nodes,
peak RSS; and of the plan: placement changes of running jobs (``migrations``),
restarts, the most data centres a training job runs in, and the restarts of training
jobs with what they cost at B10's price (an hour of the job's work), paid or not, and
the steps a training job runs at under 1 % of its ``max_mw`` (a pause kept "on").
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "data" / "examples"
DAYS = [f"2026-{month:02d}-15" for month in range(1, 13)]
MEDIUM_DAYS = [f"medium:{k}" for k in range(1, 4)]
CASES = [
    *DAYS,
    "large-14",
    "medium-12",
    *MEDIUM_DAYS,
    "48h:2026-07-15",
    "x2:2026-07-15",
    "x3:2026-07-15",
]

# The B10 table of docs/data-sources.md, every rule on (``--rules full``).
FULL_RULES = {
    "train": {
        "max_datacenters": 1,
        "min_mw_share": 0.3,
        "restart_work_hours": 1.0,
        "min_run_steps": 8,
    },
    "batch": {"max_datacenters": 2, "migration_cost_per_mw": 50.0, "restart_work_hours": 0.25},
    "etl": {"max_datacenters": 2, "migration_cost_per_mw": 50.0, "restart_work_hours": 0.25},
}
# B10 without the two rules that gate a job's rate on its on/off state (``min_mw``,
# ``min_run_steps``): the priced rules only (``--rules priced``).
PRICED_RULES = {
    cls: {k: v for k, v in rules.items() if k not in ("min_mw_share", "min_run_steps")}
    for cls, rules in FULL_RULES.items()
}
# The default before training paid for its restarts (``--rules train-site``: one site, free
# to pause), and with the price but no floor (``--rules train-restart``, where a pause kept
# "on" at the 1 kW run floor dodges the price): what the default's two rules each change.
TRAIN_SITE_RULES = {"train": {"max_datacenters": 1}}
TRAIN_RESTART_RULES = {"train": {"max_datacenters": 1, "restart_work_hours": 1.0}}
RULE_SETS = {
    "full": FULL_RULES,
    "priced": PRICED_RULES,
    "train-site": TRAIN_SITE_RULES,
    "train-restart": TRAIN_RESTART_RULES,
}
EXTENSION_KEYS = (
    "min_mw",
    "max_datacenters",
    "migration_cost",
    "restart_cost",
    "min_run_steps",
    "preemptible",
)

# A HiGHS MIP progress line ends with the seconds since the run started ("12.3s"); its
# gap is the first percentage after the two bounds, "inf" before an incumbent exists.
_PROGRESS = re.compile(
    r"^\s*[A-Z]?\s+(?P<nodes>\d+)\s+\d+\s+\d+\s+[\d.]+%\s+(?P<bound>\S+)\s+(?P<sol>\S+)"
    r"\s+(?P<gap>\S+)\s.*?(?P<time>[\d.]+)s\s*$"
)


def progress(log: str) -> list[tuple[float, int, float, float]]:
    """(seconds, nodes, bound, gap) of every progress line, time summed over the rounds."""
    rows: list[tuple[float, int, float, float]] = []
    offset = last = 0.0
    for line in log.splitlines():
        match = _PROGRESS.match(line)
        if not match:
            continue
        seconds = float(match["time"])
        if seconds < last:  # a new round (storage exclusion) restarts HiGHS's clock
            offset += last
        last = seconds
        gap_text = match["gap"].rstrip("%")
        gap = float(gap_text) / 100 if gap_text not in ("inf", "Large") else float("inf")
        try:
            bound = float(match["bound"])
        except ValueError:
            bound = float("nan")
        rows.append((offset + seconds, int(match["nodes"]), bound, gap))
    return rows


def scaled(raw: dict, copies: int) -> dict:
    """``raw`` with its fleet ``copies`` times over: what the cluster becomes at 300,000 racks.

    Copy ``c`` of data centre ``dc01`` is ``dc01-c``; every job is copied with its
    data centres renamed the same way, so copy ``c`` of a job runs only in copy
    ``c`` of the fleet, and every battery is copied. The grid's import and export
    limits and each plant's power are multiplied by ``copies`` (the scenarios
    keep their plants, which are bigger). The copies share the grid and the
    plants, so the problem does not fall apart into ``copies`` independent ones.
    """
    out = json.loads(json.dumps(raw))

    def suffix(name: str, c: int) -> str:
        return name if c == 0 else f"{name}-{c}"

    for key in ("datacenters", "storage"):
        out[key] = [{**item, "id": suffix(item["id"], c)}
                    for c in range(copies) for item in raw[key]]  # fmt: skip
    out["workloads"] = [
        {
            **job,
            "id": suffix(job["id"], c),
            "datacenters": [suffix(d, c) for d in job["datacenters"]],
        }
        for c in range(copies)
        for job in raw["workloads"]
    ]
    for scenario in out["scenarios"]:
        scenario["renewable_mw"] = {
            plant: [v * copies for v in mw] for plant, mw in scenario["renewable_mw"].items()
        }
    for key in ("import_limit_mw", "export_limit_mw"):
        out["grid"][key] = raw["grid"][key] * copies
    out["name"] = f"{raw.get('name', '')} x{copies}"
    return out


def medium_like(raw: dict, k: int) -> dict:
    """``raw`` (medium-12) re-drawn with seed ``k``: the same structure, other numbers.

    The issue's other medium days are "built like medium-12", so these keep its
    data centres, jobs, scenarios and battery, and draw every number around
    medium-12's own. A data centre keeps its block size and its ramp and start-up
    keys; its racks are re-drawn in whole blocks. The inflexible load and the PUE keep
    their daily shape at another level. A job keeps its number of sites and its window's
    length, but gets other sites, another start, and another energy, rate and penalty.
    The wind is shifted in time, and each plant, the battery and the import price are
    scaled. The inflexible load stays under 80 % of the capacity, and
    ``initial_blocks_on`` stays within reach of the first step's blocks, so the day is
    feasible.
    """
    rng = random.Random(k)
    out = json.loads(json.dumps(raw))
    steps = out["steps"]
    sites = [dc["id"] for dc in out["datacenters"]]
    for dc in out["datacenters"]:
        blocks = max(2, round(dc["racks"] // dc["block_racks"] * rng.uniform(0.7, 1.3)))
        dc["racks"] = blocks * dc["block_racks"]
        capacity = dc["racks"] * dc["rack_kw"] / 1000
        level = rng.uniform(0.8, 1.2)
        dc["inflexible_mw"] = [min(v * level, 0.8 * capacity) for v in dc["inflexible_mw"]]
        shift = rng.uniform(-0.05, 0.05)
        dc["pue"] = [v + shift for v in dc["pue"]]
        dc["idle_fraction"] = round(rng.uniform(0.3, 0.48), 3)
        if "block_startup_cost" in dc:
            dc["block_startup_cost"] = round(rng.uniform(100.0, 500.0), 2)
        if "initial_blocks_on" in dc:
            block_mw = capacity / blocks
            first = math.ceil(dc["inflexible_mw"][0] / block_mw)
            dc["initial_blocks_on"] = min(blocks, first + rng.randrange(3))
    for job in out["workloads"]:
        length = job["deadline_step"] - job["release_step"]
        job["release_step"] = rng.randrange(steps - length + 1)
        job["deadline_step"] = job["release_step"] + length
        job["datacenters"] = sorted(rng.sample(sites, len(job["datacenters"])))
        job["energy_mwh"] = round(job["energy_mwh"] * rng.uniform(0.6, 1.4), 3)
        job["max_mw"] = round(job["max_mw"] * rng.uniform(0.7, 1.3), 3)
        job["unserved_penalty_per_mwh"] = round(rng.uniform(1500.0, 6000.0), 2)
    lag = rng.randrange(-16, 17)
    factors = {plant: rng.uniform(0.6, 1.4) for plant in out["scenarios"][0]["renewable_mw"]}
    for scenario in out["scenarios"]:
        for plant, mw in scenario["renewable_mw"].items():
            if "wind" in plant:
                mw = mw[-lag:] + mw[:-lag] if lag else mw
            scenario["renewable_mw"][plant] = [v * factors[plant] for v in mw]
    size = rng.uniform(0.6, 1.4)
    for battery in out["storage"]:
        for key in ("charge_mw", "discharge_mw", "energy_min_mwh", "energy_max_mwh",
                    "energy_initial_mwh", "energy_final_min_mwh"):  # fmt: skip
            battery[key] *= size
    price = rng.uniform(0.85, 1.15)
    out["grid"]["import_price"] = [v * price for v in out["grid"]["import_price"]]
    out["name"] = f"{raw.get('name', '')} re-drawn {k}"
    return out


def raw_instance(case: str, rules: str) -> dict:
    """The raw instance of ``case`` with the placement rules ``rules``."""
    if case in ("large-14", "medium-12") or (EXAMPLES / case).is_dir():
        return json.loads((EXAMPLES / case / "instance.json").read_text())
    kind, _, day = case.rpartition(":")
    if kind == "medium":
        return medium_like(raw_instance("medium-12", rules), int(day))
    from models.forecast import build_instance
    from models.forecast.fleet import load_fleet_config

    config = load_fleet_config(None)
    if rules in RULE_SETS:
        chosen = RULE_SETS[rules]
        demo = config.workloads.demo
        demo = demo.model_copy(
            update={"rules": {k: type(next(iter(demo.rules.values())))(**v)
                              for k, v in chosen.items()}}
        )  # fmt: skip
        config = config.model_copy(
            update={"workloads": config.workloads.model_copy(update={"demo": demo})}
        )
    hours = 48 if kind == "48h" else 24
    raw = build_instance(dt.date.fromisoformat(day), config=config, horizon_hours=hours)
    if rules == "v1":
        for job in raw["workloads"]:
            for key in EXTENSION_KEYS:
                job.pop(key, None)
    if kind in ("x2", "x3"):
        raw = scaled(raw, int(kind[1]))
    return raw


def run_case(args: argparse.Namespace) -> dict:
    """Build and solve one case in this process; the figures of one run."""
    from models.dispatch.options import AUTO_ON_OFF, DEFAULT_HIGHS_OPTIONS, SolveOptions
    from models.dispatch.solve import solve_instance
    from models.dispatch.start import START_MARK
    from models.dispatch.tightening import DEFAULT_TIGHTENINGS
    from models.forecast.fleet import load_fleet_config
    from models.instance import parse_instance
    from models.plan import plan_tables
    from models.plan.figures import job_runs

    t0 = time.perf_counter()
    raw = raw_instance(args.child, args.rules)
    inst = parse_instance(json.dumps(raw))
    instance_seconds = time.perf_counter() - t0
    extra = tuple((k, json.loads(v)) for k, v in (kv.split("=", 1) for kv in args.highs))
    options = SolveOptions(
        time_limit_s=args.time_limit,
        mip_rel_gap=1e-4,
        threads=args.threads,
        tightenings=DEFAULT_TIGHTENINGS if args.tightenings is None else tuple(args.tightenings),
        highs_options=(*DEFAULT_HIGHS_OPTIONS, ("random_seed", args.seed), *extra),
        start=AUTO_ON_OFF[args.start],
        helper=AUTO_ON_OFF[args.helper],
    )
    sol = solve_instance(inst, options)
    if args.logs:
        args.logs.mkdir(parents=True, exist_ok=True)
        name = f"{args.child.replace(':', '-')}-{args.rules}-seed{args.seed}.log"
        (args.logs / name).write_text(sol.log)
    search = sol.log.split(START_MARK)[-1]  # the start's own runs are not the search
    rows = progress(search)
    to_1e3 = next((s for s, _n, _b, gap in rows if gap <= 1e-3), None)
    if to_1e3 is None and sol.gap <= 1e-3:
        to_1e3 = sol.solve_seconds
    root = [b for _s, nodes, b, _g in rows if nodes == 0]
    tables = plan_tables(inst, sol)
    alloc = tables.workload_allocation
    training = alloc[alloc["workload"].str.endswith("-train")]
    jobs = {w.id: w for w in inst.workloads}
    hour_value = (
        FULL_RULES["train"]["restart_work_hours"]
        * load_fleet_config(None).workloads.demo.work_value_per_mwh
    )
    runs = {j: run for j, run in job_runs(inst, alloc).items() if j.endswith("-train")}
    train_restarts = {j: run.restarts for j, run in runs.items()}
    # A pause the model keeps "on" at the run floor (1 kW without min_mw) dodges the restart
    # price: steps a training job runs at under 1 % of its max_mw.
    floor_steps = sum(
        int((run.running & (run.mw.sum(axis=0) < 0.01 * jobs[j].max_mw)).sum())
        for j, run in runs.items()
    )
    return {
        "instance_seconds": instance_seconds,
        "build_seconds": sol.build_seconds,
        "to_1e3": to_1e3,
        "to_1e4": sol.solve_seconds if sol.gap <= 1e-4 else None,
        "solve_seconds": sol.solve_seconds,
        "gap": sol.gap,
        "objective": sol.objective,
        "bound": sol.bound,
        "root_bound": root[-1] if root else None,
        "nodes": rows[-1][1] if rows else 0,
        "unserved_mwh": sum(sol.unserved_mwh.values()),
        "migrations": tables.summary["migrations"],
        "restarts": tables.summary["restarts"],
        "training_restarts": sum(train_restarts.values()),
        # What those restarts cost at B10's price (an hour of the job's work), paid or not.
        "training_restart_value": sum(
            n * jobs[j].max_mw * hour_value for j, n in train_restarts.items()
        ),
        "training_floor_steps": floor_steps,
        "training_sites": int(training.groupby("workload")["datacenter"].nunique().max())
        if len(training)
        else 0,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "helper_peak_rss_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        **{k: v for k, v in sol.extra.items() if k.startswith("helper")},
    }


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", default=CASES)
    parser.add_argument("--rules", choices=("default", "v1", *RULE_SETS), default="default")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--tightenings", nargs="*", default=None, help="default: all")
    parser.add_argument("--highs", nargs="*", default=[], help="extra HiGHS options KEY=JSON")
    parser.add_argument(
        "--start",
        choices=("auto", "on", "off"),
        default="auto",
        help="hand HiGHS a start (models.dispatch.start); auto: with placement rules",
    )
    parser.add_argument(
        "--helper",
        choices=("auto", "on", "off"),
        default="auto",
        help="a helper process on the other core (models.dispatch.helper); auto: 1,000 integers",
    )
    parser.add_argument("--json", type=Path, help="append every run as a JSON line here")
    parser.add_argument("--logs", type=Path, help="write each run's HiGHS log to this folder")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_case(args)))
        return
    print(f"rules={args.rules} start={args.start} time limit {args.time_limit:g} s, "
          f"threads {args.threads}")  # fmt: skip
    print(f"{'case':<12} {'seed':>4} {'inst s':>6} {'build s':>7} {'to 1e-3':>7} {'to 1e-4':>7} "
          f"{'gap':>8} {'objective':>13} {'bound':>13} {'root bound':>13} {'nodes':>6} "
          f"{'unserved':>8} {'MiB':>5} {'moves':>5} {'restarts':>8} {'train DCs':>9} "
          f"{'train restarts':>14} {'their value':>11} {'at floor':>8}")  # fmt: skip
    for case in args.cases:
        for seed in args.seeds:
            cmd = [sys.executable, __file__, "--child", case, "--seed", str(seed),
                   "--rules", args.rules, "--time-limit", str(args.time_limit),
                   "--threads", str(args.threads), "--highs", *args.highs]  # fmt: skip
            cmd += ["--start", args.start, "--helper", args.helper]
            if args.logs:
                cmd += ["--logs", str(args.logs.resolve())]
            if args.tightenings is not None:
                cmd += ["--tightenings", *args.tightenings]
            out = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
            if out.returncode != 0:
                print(f"{case:<12} {seed:>4} failed: {out.stderr.strip().splitlines()[-1]}")
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            if args.json:
                with args.json.open("a") as fh:
                    fh.write(json.dumps({"case": case, "seed": seed, "rules": args.rules, **r}))
                    fh.write("\n")
            print(
                f"{case:<12} {seed:>4} {r['instance_seconds']:>6.2f} {r['build_seconds']:>7.2f} "
                f"{_fmt(r['to_1e3'], '.1f'):>7} {_fmt(r['to_1e4'], '.1f'):>7} {r['gap']:>8.1e} "
                f"{r['objective']:>13,.1f} {r['bound']:>13,.1f} {_fmt(r['root_bound'], ',.1f'):>13}"
                f" {r['nodes']:>6} {r['unserved_mwh']:>8.2f} {r['peak_rss_mib']:>5.0f}"
                f" {r['migrations']:>5} {r['restarts']:>8} {r['training_sites']:>9}"
                f" {r['training_restarts']:>14} {r['training_restart_value']:>11,.0f}"
                f" {r['training_floor_steps']:>8}",
                flush=True,
            )


if __name__ == "__main__":
    main()
