"""One self-contained HTML page per delivery day: charts, key figures, flat-plan comparison.

Every number in the key-figures table carries its exact value in a
``data-value`` attribute (``repr`` of the float) next to the rounded text a
reader sees, so a test or a script can check the page against
``summary.json`` without parsing formatted text.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

import pandas as pd

from models.instance import Instance
from models.plan import end_state
from models.plan.figures import FIGURE_BY_KEY, FIGURES
from models.report import charts
from models.report.totals import scenario_rows


class Tables(Protocol):
    """What the report reads from a plan (``models.plan.results.PlanTables``)."""

    rack_power_plan: pd.DataFrame
    workload_allocation: pd.DataFrame
    energy_schedule: pd.DataFrame
    summary: dict[str, Any]


COMPARED = (
    "objective",
    "import_mwh",
    "curtailed_mwh",
    "green_share",
    "renewable_utilisation",
    "emissions_t",
    "flexible_served_mwh",
    "facility_mwh",
)

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5rem auto;max-width:70rem;
color:#222;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem} h2{font-size:1.15rem;margin-top:2rem;
border-bottom:1px solid #ddd;padding-bottom:.2rem}
.meta{color:#666;font-size:.9rem} table{border-collapse:collapse;font-size:.9rem}
th,td{padding:.25rem .6rem;border-bottom:1px solid #eee;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.warning{background:#fff3cd;border:1px solid #e0c36c;padding:.6rem 1rem;margin:1rem 0}
.error{background:#f8d7da;border:1px solid #e4a1a8;padding:.6rem 1rem;margin:1rem 0}
figure{margin:1rem 0} figure svg{width:100%;height:auto} figcaption{color:#555;font-size:.85rem}
.grid{display:flex;gap:2rem;flex-wrap:wrap}
"""


def _fmt(value: Any, digits: int) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return html.escape(str(value))
    if not math.isfinite(value):
        return html.escape(str(value))
    return f"{value:,.{digits}f}"


def _num_cell(value: Any, digits: int) -> str:
    exact = (
        repr(float(value))
        if isinstance(value, int | float) and not isinstance(value, bool)
        else str(value)
    )
    return f'<td class="num" data-value="{html.escape(exact)}">{_fmt(value, digits)}</td>'


def key_figures_table(summary: Mapping[str, Any]) -> str:
    rows = []
    for fig in FIGURES:
        if fig.key not in summary:
            continue
        rows.append(
            f'<tr data-key="{fig.key}"><th>{html.escape(fig.label)}</th>'
            f"{_num_cell(summary[fig.key], fig.digits)}<td>{html.escape(fig.unit)}</td></tr>"
        )
    status = html.escape(str(summary.get("status", "")))
    rows.insert(
        0,
        f'<tr data-key="status"><th>solver status</th><td data-value="{status}">'
        f"{status}</td><td></td></tr>",
    )
    return '<table id="key-figures">' + "".join(rows) + "</table>"


def scenario_table(summary: Mapping[str, Any]) -> str:
    rows = scenario_rows(summary)
    if not rows:
        return ""
    keys = [f for f in FIGURES if any(f.key in r for r in rows)]
    head = (
        "<tr><th>scenario</th>"
        + "".join(
            f"<th>{html.escape(f.label)} [{html.escape(f.unit)}]</th>"
            if f.unit
            else f"<th>{html.escape(f.label)}</th>"
            for f in keys
        )
        + "</tr>"
    )
    body = []
    for row in rows:
        cells = "".join(
            _num_cell(row[f.key], f.digits) if f.key in row else "<td></td>" for f in keys
        )
        body.append(
            f'<tr data-scenario="{html.escape(str(row["id"]))}">'
            f"<th>{html.escape(str(row['id']))}</th>{cells}</tr>"
        )
    return '<table id="scenario-figures">' + head + "".join(body) + "</table>"


def comparison_table(summary: Mapping[str, Any], flat: Mapping[str, Any]) -> str:
    rows = ["<tr><th>figure</th><th>optimised</th><th>flat</th><th>optimised − flat</th></tr>"]
    for key in COMPARED:
        if key not in summary or key not in flat:
            continue
        fig = FIGURE_BY_KEY[key]
        unit = f" [{fig.unit}]" if fig.unit else ""
        diff = float(summary[key]) - float(flat[key])
        rows.append(
            f'<tr data-key="{key}"><th>{html.escape(fig.label + unit)}</th>'
            f"{_num_cell(summary[key], fig.digits)}{_num_cell(flat[key], fig.digits)}"
            f"{_num_cell(diff, fig.digits)}</tr>"
        )
    return '<table id="flat-comparison">' + "".join(rows) + "</table>"


def solved_from_line(summary: Mapping[str, Any]) -> str:
    """Which instance the plan was solved from: a day folder may hold a newer ``instance.json``."""
    digest = str(summary.get("instance_sha256", ""))
    if not digest:
        return ""
    return (
        f'<p class="meta" id="solved-from" data-value="{html.escape(digest)}">Plan solved from '
        f"instance <code>{html.escape(str(summary.get('name', '')))}</code>, "
        f"SHA-256 <code>{html.escape(digest[:16])}…</code></p>"
    )


def handover_table(instance: Instance, tables: Tables) -> str:
    """Where the day started and the state it hands to the next day.

    The hand-over is what the next day's instance starts from
    (``models.plan.end_state``): each data centre's blocks at the last
    delivery-day step, each battery's probability-weighted state of charge
    there. A look-ahead past midnight is advisory and hands over nothing.
    """
    last = instance.delivery_steps - 1
    source = instance.initial_state_source or "configured"
    end_blocks, end_energy = end_state(instance, tables)
    rows = []
    for dc in instance.datacenters:
        start = (
            "<td>step 0's load + 1</td>"
            if dc.initial_blocks_on is None
            else _num_cell(dc.initial_blocks_on, 0)
        )
        rows.append(
            f'<tr data-key="{html.escape(dc.id)}"><td>{html.escape(dc.id)}</td>'
            f"<td>blocks on</td>{start}{_num_cell(int(end_blocks.get(dc.id, 0)), 0)}</tr>"
        )
    for st in instance.storage:
        end = end_energy[st.id]
        rows.append(
            f'<tr data-key="{html.escape(st.id)}"><td>{html.escape(st.id)}</td>'
            f"<td>state of charge [MWh]</td>{_num_cell(st.energy_initial_mwh, 2)}"
            f"{_num_cell(end, 2)}</tr>"
        )
    look_ahead = ""
    if instance.delivery_steps < instance.steps:
        hours = (instance.steps - instance.delivery_steps) * instance.step_hours
        look_ahead = (
            f" The plan looks {hours:g} h past the delivery day; that part is advisory, "
            "drawn faintly in the charts, and planned again tomorrow."
        )
    return (
        f'<p id="initial-state" data-value="{html.escape(source)}">Initial state: '
        f"<strong>{html.escape(source)}</strong> (<code>configured</code>: the "
        "configuration's values; <code>plan:D</code> / <code>actual:D</code>: the end of "
        f"that day's plan / its measured end). Handed on at step {last}: blocks on and the "
        f"probability-weighted state of charge.{look_ahead}</p>"
        '<table id="handover"><tr><th>asset</th><th>quantity</th><th>at the start</th>'
        "<th>handed to the next day</th></tr>" + "".join(rows) + "</table>"
    )


def revisions_table(records: list[dict]) -> str:
    """One row per revision: what it started from, why it changed the plan, the rest of the day.

    The why is the forecast difference (the ultra-short-term forecast against the
    day-ahead mean over its 4 hours, fleet total) and the state difference (the
    battery measured against the plan's expectation at τ); the figures are the
    rest of the delivery day's, under the plan before and after the revision.
    """
    rows = []
    for r in records:
        before, after = r["rest_of_day_before"], r["rest_of_day_after"]
        fc, state, plan = r["forecast"], r["state"], r["plan"]
        rows.append(
            f'<tr data-key="{html.escape(r["at"])}"><td>{html.escape(r["at"])}</td>'
            f"<td>{html.escape(r['based_on'])}</td>"
            f"{_num_cell(fc['mean_difference_mw'], 1)}{_num_cell(fc['largest_difference_mw'], 1)}"
            f"<td>{html.escape(state['source'])}</td>"
            f"{_num_cell(state['storage_difference_mwh'], 1)}"
            f"{_num_cell(before['import_mwh'], 1)}{_num_cell(after['import_mwh'], 1)}"
            f"{_num_cell(100 * after['green_share'], 1)}"
            f"<td>{html.escape(plan['status'])}</td>{_num_cell(plan['gap'], 6)}</tr>"
        )
    return (
        f'<p id="revisions" data-value="{len(records)}">{len(records)} revision(s) of the day, '
        "each re-solving the rest of the horizon from its time on the plants' ultra-short-term "
        "forecast; the latest is the plan in force (<code>current/</code>).</p>"
        '<table id="revisions-table"><tr><th>at</th><th>based on</th>'
        "<th>forecast − day-ahead, mean [MW]</th><th>largest [MW]</th><th>state from</th>"
        "<th>battery − plan [MWh]</th><th>rest of day import before [MWh]</th>"
        "<th>after [MWh]</th><th>green share after [%]</th><th>status</th><th>gap</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _figure(chart_id: str, svg: str, caption: str) -> str:
    return (
        f'<figure id="{chart_id}" class="chart">{svg}'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
    )


def render_day_report(
    instance: Instance,
    tables: Tables,
    flat: Tables | None = None,
    *,
    day: str | None = None,
    generated: datetime | None = None,
    notes: list[str] | None = None,
    revisions: list[dict] | None = None,
) -> str:
    """The day's report as one HTML document (charts inline as SVG, no external resources).

    Parameters
    ----------
    instance
        The validated instance the plan was solved from.
    tables
        The plan (``PlanTables``): three tables and the summary.
    flat
        The flat (no-flexibility) plan on the same instance, for the comparison; optional.
    day
        Delivery day shown in the title, ``YYYY-MM-DD`` (default: the instance's start date).
    generated
        Time stamp shown in the header (default: now, UTC).
    notes
        Extra warnings to show at the top (for example from the pipeline's checks).
    revisions
        The day's intraday revisions (``revision.json`` records, in time order,
        ``models.intraday.revisions``); shown as their own section when given.
    """
    summary = tables.summary
    day = day or instance.start.date().isoformat()
    generated = generated or datetime.now(UTC)
    banners = []
    if summary.get("status") == "interrupted":
        banners.append(
            '<div class="warning" id="not-optimal">The solve was interrupted (SIGINT or '
            "SIGTERM) before proving its target gap: this is the best plan found, within a "
            f"relative gap of {float(summary.get('gap', 0)):.4%} of the optimum.</div>"
        )
    elif summary.get("status") != "optimal":
        banners.append(
            f'<div class="warning" id="not-optimal">The solver stopped at a limit'
            f" ({html.escape(str(summary.get('status')))}) before proving its target gap: this is "
            f"the best plan found, within a relative gap of {float(summary.get('gap', 0)):.4%} "
            "of the optimum.</div>"
        )
    if float(summary.get("shed_mwh", 0.0)) > 1e-6:
        banners.append(
            f'<div class="error" id="shed">Load is shed: '
            f"{float(summary['shed_mwh']):,.3f} MWh expected.</div>"
        )
    for note in notes or []:
        banners.append(f'<div class="warning">{html.escape(note)}</div>')

    sections = [
        "<h2>Key figures (probability-weighted)</h2>",
        '<div class="grid">',
        key_figures_table(summary),
        "</div>",
        scenario_table(summary),
        "<h2>Start and hand-over</h2>",
        handover_table(instance, tables),
        "<h2>Supply and demand per scenario</h2>",
        _figure(
            "chart-supply",
            charts.supply_stack(instance, tables.energy_schedule, tables.rack_power_plan),
            "Renewable power used (wind, PV), battery discharge and grid import, stacked, "
            "against the cluster's facility demand; the dashed line adds battery charging "
            "and export.",
        ),
        "<h2>Racks on per data centre</h2>",
        _figure(
            "chart-racks",
            charts.racks_heatmap(instance, tables.rack_power_plan),
            "Share of each data centre's racks powered in each 15-minute step.",
        ),
        "<h2>Workload placement</h2>",
        _figure(
            "chart-workloads",
            charts.workload_gantt(instance, tables.workload_allocation),
            "Each flexible workload's allowed window (grey) and the steps it runs in, "
            "coloured by data centre.",
        ),
    ]
    if revisions:
        sections += ["<h2>Intraday revisions</h2>", revisions_table(revisions)]
    if flat is not None:
        saving = float(flat.summary["objective"]) - float(summary["objective"])
        sections += [
            "<h2>Value of shifting: comparison with a flat plan</h2>",
            f'<p id="shifting-value" data-value="{saving!r}">The flat plan spreads every '
            "workload evenly over its window on the same instance. Shifting work to match "
            f"renewable supply saves <strong>¥{saving:,.0f}</strong> of expected cost "
            f"(flat plan {flat.summary.get('status', '')}, within a relative gap of "
            f"{float(flat.summary.get('gap', 0.0)):.2%}).</p>",
            comparison_table(summary, flat.summary),
            _figure(
                "chart-flat",
                charts.facility_comparison(instance, tables.rack_power_plan, flat.rack_power_plan),
                "Cluster facility demand of the optimised and the flat plan against the "
                "expected renewable power.",
            ),
        ]
    title = f"Suandian day plan {day}"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>"
        f'<p class="meta">Instance <code>{html.escape(instance.name)}</code> · '
        f"{len(instance.datacenters)} data centres · {len(instance.workloads)} workloads · "
        f"{len(instance.scenarios)} scenarios · {instance.steps} steps of "
        f"{instance.step_minutes} min · generated {generated:%Y-%m-%d %H:%M} UTC</p>"
        + solved_from_line(summary)
        + "".join(banners)
        + "".join(sections)
        + "</body></html>\n"
    )
