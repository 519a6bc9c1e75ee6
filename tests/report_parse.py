"""Read the exact figures back from a day report, so tests compare what a reader sees."""

from __future__ import annotations

from html.parser import HTMLParser


class _ReportParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, dict[str, list[str]]] = {}
        self.figures: dict[str, str] = {}
        self.svg_in: dict[str, int] = {}
        self.values: dict[str, str] = {}
        self._table: str | None = None
        self._row: str | None = None
        self._figure: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {k: v or "" for k, v in attrs}
        if tag == "table" and "id" in attr:
            self._table = attr["id"]
            self.tables[self._table] = {}
        elif tag == "tr" and self._table is not None:
            self._row = attr.get("data-key") or attr.get("data-scenario")
            if self._row is not None:
                self.tables[self._table][self._row] = []
        elif tag == "td" and self._table and self._row is not None and "data-value" in attr:
            self.tables[self._table][self._row].append(attr["data-value"])
        elif tag == "figure" and "id" in attr:
            self._figure = attr["id"]
            self.svg_in[self._figure] = 0
        elif tag == "svg" and self._figure is not None:
            self.svg_in[self._figure] += 1
        elif "id" in attr and "data-value" in attr:
            self.values[attr["id"]] = attr["data-value"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = None
        elif tag == "tr":
            self._row = None
        elif tag == "figure":
            self._figure = None


def parse_report(page: str) -> dict:
    """Tables (``{table id: {row key: [exact cell values]}}``), charts and tagged values.

    Returns a dict with ``tables``, ``charts`` (figure id -> number of inline
    ``<svg>`` elements) and ``values`` (element id -> ``data-value``).
    """
    parser = _ReportParser()
    parser.feed(page)
    parser.close()
    return {"tables": parser.tables, "charts": parser.svg_in, "values": parser.values}


def key_figures(page: str) -> dict[str, str]:
    """The key-figures table of a report as ``{summary key: exact value text}``."""
    table = parse_report(page)["tables"].get("key-figures", {})
    return {key: cells[0] for key, cells in table.items() if cells}
