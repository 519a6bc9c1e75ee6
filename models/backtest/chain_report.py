"""The chained backtest's ``backtest.html``: each policy's cumulative realised cost over the range.

Charts reuse :func:`models.backtest.report._line_chart` (matplotlib, inlined SVG).
The summary table puts the state each chain ends the range in (state of charge,
work left) beside its total cost: realised costs count nothing for the future,
so a chain that ends with an empty battery looks cheaper than it is.
"""

from __future__ import annotations

import html

import pandas as pd

from models.backtest.report import STYLE, _fmt, _line_chart

LABELS = {
    "island": "island days (configured state, 24 h)",
    "chained-24h": "chained, 24 h",
    "chained-48h": "chained, 48 h",
    "chained-perfect": "chained, perfect foresight",
}


def wide(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """Days × policies of ``column`` (policies in their order of appearance)."""
    out = table.pivot(index="day", columns="policy", values=column)
    out.index = pd.to_datetime(out.index)
    return out[list(dict.fromkeys(table["policy"]))].sort_index()


def wins(table: pd.DataFrame, policy: str, against: str) -> tuple[int, int]:
    """Days on which ``policy``'s realised cost is below ``against``'s, and days compared."""
    cost = wide(table, "realised_cost")
    if policy not in cost or against not in cost:
        return 0, 0
    both = cost[[policy, against]].dropna()
    return int((both[policy] < both[against]).sum()), len(both)


def _summary(table: pd.DataFrame) -> str:
    rows = []
    for policy in dict.fromkeys(table["policy"]):
        mine = table[table["policy"] == policy].sort_values("day")
        last = mine.iloc[-1]
        rows.append(
            f"<tr><td>{html.escape(LABELS.get(policy, policy))}</td>"
            f"<td class=n>{len(mine)}</td>"
            f"<td class=n>{_fmt(float(mine['realised_cost'].sum()))}</td>"
            f"<td class=n>{_fmt(float(mine['import_mwh'].sum()), ',.1f')}</td>"
            f"<td class=n>{_fmt(100 * float(mine['green_share'].mean()), '.1f')} %</td>"
            f"<td class=n>{_fmt(float(mine['work_served_mwh'].sum()), ',.1f')}</td>"
            f"<td class=n>{_fmt(float(mine['work_missed_mwh'].sum()), ',.2f')}</td>"
            f"<td class=n>{_fmt(float(last['work_left_mwh']), ',.1f')}</td>"
            f"<td class=n>{_fmt(float(last['end_soc_mwh']), ',.1f')}</td></tr>"
        )
    return (
        "<table><tr><th>policy</th><th>days</th><th>realised cost [CNY]</th>"
        "<th>bought [MWh]</th><th>mean green share</th><th>work served [MWh]</th>"
        "<th>work missed [MWh]</th><th>work left at the end [MWh]</th>"
        "<th>battery at the end [MWh]</th></tr>" + "".join(rows) + "</table>"
    )


def _failed(results: list) -> str:
    bad = [r for r in results if not r.ok]
    if not bad:
        return ""
    items = "".join(
        f"<li><b>{html.escape(r.policy)} {html.escape(r.day)}</b> ({html.escape(r.kind or '')}):"
        f" {html.escape(r.error or '')}</li>"
        for r in bad
    )
    return f"<h2>Days not run</h2><ul>{items}</ul>"


def chain_html(table: pd.DataFrame, results: list, wall_seconds: float | None = None) -> str:
    """The whole page for the chained ``backtest.csv`` rows and the chains' day results."""
    title = "Suandian chained backtest"
    if len(table):
        title += f" {table['day'].min()} to {table['day'].max()}"
    parts = [
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>",
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p>{sum(r.ok for r in results)} of {len(results)} policy-days run"
        + (f" in {wall_seconds:,.0f} s" if wall_seconds is not None else "")
        + ". Each day's plan keeps its first stage and is re-dispatched on the day's actual"
        " output; the chained policies start each day from the state the previous day"
        " really ended in. Realised cost counts the delivery day only.</p>",
    ]
    if len(table):
        won, of = wins(table, "chained-48h", "island")
        cumulative = wide(table, "realised_cost").cumsum()
        parts += [
            _summary(table),
            f"<p>chained, 48 h beats island days on {won} of {of} days.</p>" if of else "",
            "<h2>Cumulative realised cost</h2>",
            _line_chart(cumulative, "CNY", "Cumulative realised cost"),
            "<h2>Realised cost per day</h2>",
            _line_chart(wide(table, "realised_cost"), "CNY", "Realised cost per day"),
            "<h2>Battery at the end of each day</h2>",
            _line_chart(wide(table, "end_soc_mwh"), "MWh", "State of charge at the day's end"),
        ]
    parts.append(_failed(results))
    parts.append("</body></html>\n")
    return "\n".join(parts)
