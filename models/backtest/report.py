"""``backtest.html``: one self-contained page on how the plans did over a range of days.

Charts are matplotlib figures (object-oriented API, Agg canvas, no ``pyplot``)
inlined as SVG, so the page needs nothing from the network:

- realised cost per day for each policy;
- cumulative savings against the flat plan;
- green share per day for each policy;
- the distribution of the value of flexibility captured;
- the days where the plan did worst (largest ``evpi``) and why: forecast
  error, shed and curtailment on the actual day.
"""

from __future__ import annotations

import html

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib import ticker
from matplotlib.figure import Figure

from models.backtest.policies import POLICIES
from models.report.charts import figure_to_svg

matplotlib.rcParams["svg.fonttype"] = "none"
matplotlib.rcParams["svg.hashsalt"] = "suandian-backtest"

LABELS = {
    "stochastic": "stochastic plan",
    "perfect_foresight": "perfect foresight",
    "deterministic": "deterministic (mean forecast)",
    "flat": "flat",
    "greedy": "greedy (follow renewables)",
}
COLOURS = {
    "stochastic": "#4C72B0",
    "perfect_foresight": "#222222",
    "deterministic": "#DD8452",
    "flat": "#C44E52",
    "greedy": "#55A868",
}
WORST_DAYS = 5


def _days(table: pd.DataFrame) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(pd.to_datetime(sorted(table["day"].unique())))


def _by_policy(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """Days × policies of ``column``."""
    wide = table.pivot(index="day", columns="policy", values=column)
    wide.index = pd.to_datetime(wide.index)
    return wide[[p for p in POLICIES if p in wide.columns]].sort_index()


def _line_chart(wide: pd.DataFrame, ylabel: str, title: str, percent: bool = False) -> str:
    """One line per policy over the days (``title`` is the chart's accessible name)."""
    fig = Figure(figsize=(9, 3.2))
    ax = fig.add_subplot()
    for policy in wide.columns:
        values = wide[policy].to_numpy(dtype=float) * (100 if percent else 1)
        ax.plot(
            wide.index,
            values,
            marker="o",
            markersize=3,
            lw=2 if policy == "stochastic" else 1.2,
            ls="--" if policy == "perfect_foresight" else "-",
            color=COLOURS.get(policy),
            label=LABELS.get(policy, policy),
        )
    ax.set_ylabel(ylabel)
    ax.set_label(title)
    ax.yaxis.set_major_formatter(ticker.StrMethodFormatter("{x:,.0f}"))
    locator = mdates.AutoDateLocator(minticks=2, maxticks=12, interval_multiples=True)
    locator.intervald[mdates.HOURLY] = [24]  # whole days only
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
    if len(wide.index) == 1:
        day = wide.index[0]
        ax.set_xlim(day - pd.Timedelta(days=1), day + pd.Timedelta(days=1))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, ncol=3, loc="best")
    return figure_to_svg(fig)


def cost_chart(table: pd.DataFrame) -> str:
    return _line_chart(_by_policy(table, "realised_cost"), "CNY", "Realised cost per day")


def savings_chart(table: pd.DataFrame) -> str:
    wide = _by_policy(table, "realised_cost")
    if "flat" not in wide:
        return "<p>No flat plan evaluated.</p>"
    saved = (wide[["flat"]].to_numpy() - wide).cumsum()
    saved = saved.drop(columns=["flat"])
    return _line_chart(saved, "CNY", "Cumulative savings against the flat plan")


def green_chart(table: pd.DataFrame) -> str:
    return _line_chart(
        _by_policy(table, "green_share"), "%", "Green share per day (actual output)", percent=True
    )


def value_captured_chart(table: pd.DataFrame) -> str:
    per_day = table.drop_duplicates("day")["value_captured"].dropna().to_numpy(dtype=float)
    fig = Figure(figsize=(9, 2.8))
    ax = fig.add_subplot()
    ax.yaxis.set_major_locator(ticker.MaxNLocator(integer=True))
    if len(per_day):
        lo = min(0.0, float(per_day.min()))
        hi = max(1.0, float(per_day.max()))
        bins = np.linspace(lo, hi, max(5, min(20, 2 * len(per_day))) + 1)
        ax.hist(per_day * 1.0, bins=bins, color=COLOURS["stochastic"], edgecolor="white")
        ax.axvline(float(np.median(per_day)), color="#222222", ls="--", lw=1, label="median")
        ax.legend(fontsize=8)
    else:
        ax.text(0.5, 0.5, "flat equals perfect foresight on every day", ha="center")
    ax.set_xlabel("value of flexibility captured (flat → perfect foresight = 0 → 1)")
    ax.set_ylabel("days")
    ax.grid(alpha=0.3)
    return figure_to_svg(fig)


def _fmt(value, spec: str = ",.0f") -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "–"
    return format(value, spec)


def worst_days(table: pd.DataFrame, count: int = WORST_DAYS) -> pd.DataFrame:
    """The days with the largest ``evpi`` and the reasons a dispatcher looks at."""
    plan = table[table["policy"] == "stochastic"].copy()
    if plan.empty:
        return plan
    plan["forecast_error_frac"] = plan["abs_error_mwh"] / plan["forecast_mwh"].where(
        plan["forecast_mwh"] > 0
    )
    return plan.sort_values("evpi", ascending=False).head(count)


def _why(row: pd.Series, typical_error: float) -> str:
    reasons = []
    if row["abs_error_mwh"] > 1.5 * typical_error:
        reasons.append("large forecast error")
    if row["actual_mwh"] < row["forecast_mwh"] * 0.9:
        reasons.append("less renewable output than forecast")
    elif row["actual_mwh"] > row["forecast_mwh"] * 1.1:
        reasons.append("more renewable output than forecast")
    if row["shed_mwh"] > 1e-6:
        reasons.append("load shed")
    if row["curtailed_mwh"] > 1e-6:
        reasons.append("curtailment")
    if row["unserved_flexible_mwh"] > 1e-6:
        reasons.append("workload energy unserved")
    return ", ".join(reasons) or "ordinary forecast error"


def _summary_table(table: pd.DataFrame) -> str:
    wide = _by_policy(table, "realised_cost")
    green = _by_policy(table, "green_share")
    rows = []
    for policy in wide.columns:
        total = float(wide[policy].sum())
        vs_flat = float((wide["flat"] - wide[policy]).sum()) if "flat" in wide else np.nan
        rows.append(
            f"<tr><td>{html.escape(LABELS.get(policy, policy))}</td>"
            f"<td class=n>{_fmt(total)}</td><td class=n>{_fmt(total / len(wide))}</td>"
            f"<td class=n>{_fmt(vs_flat)}</td>"
            f"<td class=n>{_fmt(100 * float(green[policy].mean()), '.1f')} %</td></tr>"
        )
    return (
        "<table><tr><th>policy</th><th>total realised cost [CNY]</th><th>per day [CNY]</th>"
        "<th>saved against flat [CNY]</th><th>mean green share</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _worst_table(table: pd.DataFrame) -> str:
    worst = worst_days(table)
    if worst.empty:
        return "<p>No day evaluated.</p>"
    typical = float(table[table["policy"] == "stochastic"]["abs_error_mwh"].median())
    rows = []
    for _, row in worst.iterrows():
        rows.append(
            f"<tr><td>{row['day']}</td><td class=n>{_fmt(row['evpi'])}</td>"
            f"<td class=n>{_fmt(row['value_captured'], '.1%')}</td>"
            f"<td class=n>{_fmt(row['forecast_mwh'])}</td>"
            f"<td class=n>{_fmt(row['actual_mwh'])}</td>"
            f"<td class=n>{_fmt(row['abs_error_mwh'])}</td>"
            f"<td class=n>{_fmt(row['shed_mwh'], ',.1f')}</td>"
            f"<td class=n>{_fmt(row['curtailed_mwh'], ',.1f')}</td>"
            f"<td>{html.escape(_why(row, typical))}</td></tr>"
        )
    return (
        "<table><tr><th>day</th><th>evpi [CNY]</th><th>value captured</th>"
        "<th>forecast [MWh]</th><th>actual [MWh]</th><th>|error| [MWh]</th>"
        "<th>shed [MWh]</th><th>curtailed [MWh]</th><th>why</th></tr>" + "".join(rows) + "</table>"
    )


def _failed(results) -> str:
    bad = [r for r in results if not r.ok]
    if not bad:
        return ""
    items = "".join(
        f"<li><b>{html.escape(r.day)}</b> ({html.escape(r.kind or '')}):"
        f" {html.escape(r.error or '')}</li>"
        for r in bad
    )
    return f"<h2>Days not evaluated</h2><ul>{items}</ul>"


STYLE = """
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1000px;color:#222}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em}
table{border-collapse:collapse;font-size:.9em}td,th{padding:.25em .6em;border-bottom:1px solid #ddd}
th{text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
td:first-child{white-space:nowrap}
svg{width:100%;height:auto}.note{color:#666;font-size:.85em}
"""


def backtest_html(table: pd.DataFrame, results: list, wall_seconds: float | None = None) -> str:
    """The whole page for ``backtest.csv``'s rows (``table``) and the days' results."""
    ok = [r for r in results if r.ok]
    title = "Suandian backtest"
    if len(table):
        days = _days(table)
        title += f" {days[0].date()} to {days[-1].date()}"
    parts = [
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>",
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p>{len(ok)} of {len(results)} days evaluated on their actual output"
        + (f" in {wall_seconds:,.0f} s" if wall_seconds is not None else "")
        + ". Each policy keeps its first stage (blocks on, workload allocation) and"
        " re-dispatches storage, grid, curtailment and shed optimally on the actual output.</p>",
    ]
    if len(table):
        vc = table.drop_duplicates("day")["value_captured"].dropna()
        parts += [
            _summary_table(table),
            f"<p>Median value of flexibility captured: {_fmt(vc.median(), '.1%')};"
            f" total value of the stochastic solution (deterministic − plan):"
            f" {_fmt(table.drop_duplicates('day')['vss'].sum())} CNY;"
            f" total cost of imperfect information (plan − perfect foresight):"
            f" {_fmt(table.drop_duplicates('day')['evpi'].sum())} CNY.</p>",
            "<h2>Realised cost per day</h2>",
            cost_chart(table),
            "<h2>Cumulative savings against flat</h2>",
            savings_chart(table),
            "<h2>Green share per day</h2>",
            green_chart(table),
            "<h2>Value of flexibility captured</h2>",
            value_captured_chart(table),
            "<h2>Days where the plan did worst</h2>",
            _worst_table(table),
        ]
    parts.append(_failed(results))
    parts.append(
        "<p class=note>value captured = (flat − plan) / (flat − perfect foresight);"
        " vss = deterministic − plan; evpi = plan − perfect foresight (realised costs).</p>"
    )
    parts.append("</body></html>\n")
    return "\n".join(parts)
