"""Charts of a day's plan, drawn with matplotlib and returned as inline SVG text.

Figures are built with the object-oriented API (``Figure`` + Agg canvas), never
``pyplot``, so rendering keeps no global state and is safe in worker processes.
Text stays text in the SVG (``svg.fonttype = "none"``), which keeps the page
small and searchable; the SVG needs nothing from the network.
"""

from __future__ import annotations

import io
import re

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from models.instance import Instance

matplotlib.rcParams["svg.fonttype"] = "none"
matplotlib.rcParams["svg.hashsalt"] = "suandian"

COLOURS = {
    "wind": "#4C72B0",
    "pv": "#E5AE38",
    "other": "#8C8C8C",
    "battery": "#55A868",
    "grid": "#C44E52",
    "demand": "#222222",
}


#: Opacity of the white veil over the advisory look-ahead past the delivery day.
LOOK_AHEAD_VEIL = 0.65


def fade_look_ahead(ax, instance: Instance, gid: str) -> None:
    """Veil the look-ahead (steps from ``committed_steps`` on) so the delivery day stands out.

    An instance that looks past midnight commits only to its delivery day; the
    rest is advisory and is planned again tomorrow, so it is drawn faintly,
    behind a line at the end of the delivery day. A 24 h instance has none.
    """
    if instance.delivery_steps >= instance.steps:
        return
    edge = instance.delivery_steps * instance.step_hours
    ax.axvspan(
        edge,
        instance.steps * instance.step_hours,
        facecolor="white",
        alpha=LOOK_AHEAD_VEIL,
        lw=0,
        zorder=5,
        gid=gid,
    )
    ax.axvline(edge, color=COLOURS["demand"], lw=1.2, zorder=6)


def plant_kind(plant_id: str) -> str:
    """``"wind"``, ``"pv"`` or ``"other"`` from a plant id (``huanxian-wind-1``)."""
    name = plant_id.lower()
    if "wind" in name:
        return "wind"
    if "pv" in name or "solar" in name:
        return "pv"
    return "other"


def figure_to_svg(fig: Figure) -> str:
    """The figure as an ``<svg>`` element (no XML prolog, no fixed pixel size)."""
    FigureCanvasAgg(fig)
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buffer.getvalue()
    start = text.find("<svg")
    svg = text[start:]
    # The RDF metadata block names creator URLs; the page needs none of it.
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, count=1, flags=re.S)
    # Let the page scale the chart: keep the viewBox, drop the fixed width/height.
    svg = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r"<svg\1", svg, count=1)
    return svg


def _hours(steps: np.ndarray, step_hours: float) -> np.ndarray:
    """Step edges [h]: one more than the steps, so the last step is drawn whole."""
    return np.arange(len(steps) + 1) * step_hours


def _post(values) -> np.ndarray:
    """Values per step with the last repeated, to pair with ``_hours`` in post-step plots."""
    values = np.asarray(values, dtype=float)
    return np.append(values, values[-1:] if len(values) else values)


def supply_stack(
    instance: Instance, energy_schedule: pd.DataFrame, rack_power_plan: pd.DataFrame
) -> str:
    """Stacked supply (wind, PV, battery, grid) against facility demand, one panel per scenario.

    The renewable power used in a step is what is available less curtailment;
    curtailment is shared between plant kinds in proportion to what each offers.
    """
    dt = instance.step_hours
    steps = np.arange(instance.steps)
    hours = _hours(steps, dt)
    facility = (
        rack_power_plan.groupby("step")["facility_mw"].sum().reindex(steps, fill_value=0.0)
    ).to_numpy()
    discharge_cols = [c for c in energy_schedule.columns if c.startswith("discharge_mw__")]
    charge_cols = [c for c in energy_schedule.columns if c.startswith("charge_mw__")]
    n = len(instance.scenarios)
    fig = Figure(figsize=(10, 2.6 * n + 0.6))
    axes = fig.subplots(n, 1, sharex=True, squeeze=False)[:, 0]
    for ax, scenario in zip(axes, instance.scenarios, strict=True):
        rows = energy_schedule[energy_schedule["scenario"] == scenario.id].set_index("step")
        rows = rows.reindex(steps, fill_value=0.0)
        by_kind: dict[str, np.ndarray] = {}
        for plant, series in scenario.renewable_mw.items():
            kind = plant_kind(plant)
            by_kind[kind] = by_kind.get(kind, 0.0) + np.asarray(series, dtype=float)
        available = sum(by_kind.values()) if by_kind else np.zeros(len(steps))
        curtailed = rows["curtailed_mw"].to_numpy(dtype=float)
        used_share = np.divide(
            available - curtailed, available, out=np.zeros(len(steps)), where=available > 1e-9
        )
        layers, labels, colours = [], [], []
        for kind in ("wind", "pv", "other"):
            if kind in by_kind:
                layers.append(by_kind[kind] * used_share)
                labels.append({"wind": "wind", "pv": "PV", "other": "other renewables"}[kind])
                colours.append(COLOURS[kind])
        discharge = (
            rows[discharge_cols].sum(axis=1).to_numpy(dtype=float)
            if discharge_cols
            else np.zeros(len(steps))
        )
        layers += [discharge, rows["import_mw"].to_numpy(dtype=float)]
        labels += ["battery discharge", "grid import"]
        colours += [COLOURS["battery"], COLOURS["grid"]]
        ax.stackplot(
            hours,
            *[_post(layer) for layer in layers],
            labels=labels,
            colors=colours,
            step="post",
            alpha=0.85,
        )
        ax.step(
            hours,
            _post(facility),
            where="post",
            color=COLOURS["demand"],
            lw=1.6,
            label="cluster facility demand",
        )
        charge = (
            rows[charge_cols].sum(axis=1).to_numpy(dtype=float)
            if charge_cols
            else np.zeros(len(steps))
        )
        total_use = facility + charge + rows["export_mw"].to_numpy(dtype=float)
        ax.step(
            hours,
            _post(total_use),
            where="post",
            color=COLOURS["demand"],
            lw=1.0,
            ls="--",
            label="demand + charging + export",
        )
        ax.set_ylabel("MW")
        ax.set_title(
            f"scenario {scenario.id} (probability {scenario.probability:.3g})",
            fontsize=10,
            loc="left",
        )
        ax.grid(alpha=0.3)
        fade_look_ahead(ax, instance, f"look-ahead-supply-{scenario.id}")
    axes[0].legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    axes[-1].set_xlabel("hour of the delivery day (Asia/Shanghai)")
    axes[-1].set_xlim(0, instance.steps * dt)
    return figure_to_svg(fig)


def racks_heatmap(instance: Instance, rack_power_plan: pd.DataFrame) -> str:
    """Share of racks powered per data centre and step, as a heat map."""
    dcs = [dc.id for dc in instance.datacenters]
    racks = {dc.id: dc.racks for dc in instance.datacenters}
    grid = (
        rack_power_plan.pivot_table(
            index="datacenter", columns="step", values="racks_on", aggfunc="sum"
        )
        .reindex(index=dcs, columns=range(instance.steps), fill_value=0)
        .astype(float)
    )
    share = grid.div(pd.Series(racks), axis=0).to_numpy()
    fig = Figure(figsize=(10, 0.32 * len(dcs) + 1.4))
    ax = fig.subplots()
    image = ax.imshow(
        share,
        aspect="auto",
        cmap="viridis",
        vmin=0.0,
        vmax=1.0,
        interpolation="nearest",
        extent=(0, instance.steps * instance.step_hours, len(dcs) - 0.5, -0.5),
    )
    ax.set_yticks(range(len(dcs)), labels=[f"{d} ({racks[d]} racks)" for d in dcs], fontsize=8)
    ax.set_xlabel("hour of the delivery day (Asia/Shanghai)")
    fade_look_ahead(ax, instance, "look-ahead-racks")
    colourbar = fig.colorbar(image, ax=ax, fraction=0.03, pad=0.01)
    colourbar.set_label("share of racks on")
    return figure_to_svg(fig)


def workload_gantt(instance: Instance, workload_allocation: pd.DataFrame) -> str:
    """Where and when each flexible workload runs: its window in grey, runs coloured by DC."""
    dt = instance.step_hours
    workloads = [w.id for w in instance.workloads]
    dcs = [dc.id for dc in instance.datacenters]
    palette = matplotlib.colormaps["tab20"]
    colour = {dc: palette(i % 20) for i, dc in enumerate(dcs)}
    fig = Figure(figsize=(10, 0.26 * max(len(workloads), 1) + 1.6))
    ax = fig.subplots()
    alloc = workload_allocation[workload_allocation["mw"] > 1e-9]
    used_dcs: set[str] = set()
    for row, workload in enumerate(instance.workloads):
        ax.broken_barh(
            [(workload.release_step * dt, (workload.deadline_step - workload.release_step) * dt)],
            (row - 0.42, 0.84),
            facecolors="#EEEEEE",
            edgecolors="#BBBBBB",
            lw=0.5,
        )
        mine = alloc[alloc["workload"] == workload.id]
        for dc, rows in mine.groupby("datacenter"):
            steps = np.sort(rows["step"].to_numpy())
            runs = np.split(steps, np.where(np.diff(steps) != 1)[0] + 1)
            spans = [(r[0] * dt, len(r) * dt) for r in runs if len(r)]
            k = sorted(mine["datacenter"].unique()).index(dc)
            parts = mine["datacenter"].nunique()
            height = 0.7 / parts
            ax.broken_barh(spans, (row - 0.35 + k * height, height), facecolors=colour[dc])
            used_dcs.add(dc)
    ax.set_yticks(range(len(workloads)), labels=workloads, fontsize=7)
    ax.set_ylim(len(workloads) - 0.5, -0.5)
    ax.set_xlim(0, instance.steps * dt)
    ax.set_xlabel("hour of the delivery day (Asia/Shanghai)")
    ax.grid(axis="x", alpha=0.3)
    fade_look_ahead(ax, instance, "look-ahead-workloads")
    handles = [matplotlib.patches.Patch(color=colour[d], label=d) for d in dcs if d in used_dcs]
    handles.append(
        matplotlib.patches.Patch(facecolor="#EEEEEE", edgecolor="#BBBBBB", label="allowed window")
    )
    ax.legend(
        handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False
    )
    return figure_to_svg(fig)


def facility_comparison(instance: Instance, optimised: pd.DataFrame, flat: pd.DataFrame) -> str:
    """Cluster facility demand of the optimised plan against the flat plan, with mean renewables."""
    dt = instance.step_hours
    steps = np.arange(instance.steps)
    hours = _hours(steps, dt)
    fig = Figure(figsize=(10, 3.0))
    ax = fig.subplots()
    expected_renewable = sum(s.probability * s.total_renewable_mw for s in instance.scenarios)
    ax.fill_between(
        hours,
        _post(expected_renewable),
        step="post",
        color=COLOURS["wind"],
        alpha=0.2,
        label="expected renewable power",
    )
    for table, label, style in ((optimised, "optimised plan", "-"), (flat, "flat plan", "--")):
        series = table.groupby("step")["facility_mw"].sum().reindex(steps, fill_value=0.0)
        ax.step(hours, _post(series.to_numpy()), where="post", ls=style, lw=1.5, label=label)
    ax.set_ylabel("MW")
    ax.set_xlabel("hour of the delivery day (Asia/Shanghai)")
    ax.set_xlim(0, instance.steps * dt)
    ax.grid(alpha=0.3)
    fade_look_ahead(ax, instance, "look-ahead-flat")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    return figure_to_svg(fig)
