"""The tables the dashboard, its exports and the public page show: columns, rows, cells, totals.

- **Small groups**: ``Table.finalise`` applies the one suppression rule of ``suppression`` (small
  counts and rates "fewer than 5", true totals, complementary suppression so that no hidden small
  figure can be worked back from its total) for everyone but the training office.
- **Text**: ``format_cell`` writes a cell as the pages do; ``table_dataset`` gives a finalised table
  to the CSV/XLSX exports with the same words.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

import tablib
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from accounts.models import OrganisationUnit

from .suppression import COMPLEMENT, Cell, count_cell, min_group, protect, rate_cell, small_group_text

__all__ = ["Cell", "Column", "Table", "TableRow", "format_cell", "min_group", "small_group_text", "table_dataset"]


@dataclass(frozen=True)
class Column:
    key: str
    label: str | Promise  # a lazy translation in module-level column lists
    kind: str = "count"  # "count" (people or events), "rate" (numerator ÷ denominator, in %)
    numerator: str = ""
    denominator: str = ""


@dataclass
class TableRow:
    label: str
    values: dict = field(default_factory=dict)
    unit: OrganisationUnit | None = None
    kind: str = "unit"  # "unit", "direct", "none", "other", "item", "total"
    key: object = None
    cells: dict = field(default_factory=dict)

    def add(self, counts: Mapping[str, int | None]) -> None:
        for name, value in counts.items():
            self.values[name] = self.values.get(name, 0) + (value or 0)


@dataclass
class Table:
    key: str
    title: str
    label_header: str
    columns: list
    rows: list
    total: TableRow | None = None
    suppressed: bool = False  # whether suppression applied (outside the training office)
    any_suppressed: bool = False
    threshold: int = 5

    def finalise(
        self,
        *,
        suppress: bool,
        threshold: int | None = None,
        with_total: bool = True,
        exact: frozenset = frozenset(),
    ) -> "Table":
        """Compute every cell (rates; suppression when ``suppress``) and the total row.

        The total adds every row (a true total). Outside the training office (``suppress``) the rule
        of ``suppression`` applies to every column but those in ``exact`` (what the viewer may see
        person by person): small counts and rates are "fewer than 5", and complementary suppression
        hides more of a column when a small cell could be worked back from the total.
        """
        threshold = threshold or min_group()
        self.suppressed, self.threshold = suppress, threshold
        counts = [column for column in self.columns if column.kind == "count"]
        rates = [column for column in self.columns if column.kind != "count"]
        for row in self.rows:
            row.cells = {
                column.key: count_cell(
                    row.values.get(column.key, 0), suppress=suppress and column.key not in exact, threshold=threshold
                )
                for column in counts
            }
        if with_total:
            totals: dict[str, int] = {}
            for row in self.rows:
                for name, value in row.values.items():
                    totals[name] = totals.get(name, 0) + (value or 0)
            self.total = TableRow(label=_("Total"), values=totals, kind="total")
            self.total.cells = {
                column.key: count_cell(
                    totals.get(column.key, 0), suppress=suppress and column.key not in exact, threshold=threshold
                )
                for column in counts
            }
            if suppress:
                for column in counts:
                    if column.key not in exact:
                        protect([row.cells[column.key] for row in self.rows], self.total.cells[column.key], threshold)
        else:
            self.total = None
        every_row = [*self.rows, *([self.total] if self.total else [])]
        for row in every_row:
            for column in rates:
                row.cells[column.key] = self._rate(row, column, suppress=suppress and column.key not in exact)
        self.any_suppressed = any(cell.suppressed for row in every_row for cell in row.cells.values())
        return self

    def _rate(self, row: TableRow, column: Column, *, suppress: bool) -> Cell:
        """A rate cell: hidden when its denominator is small, or its numerator or denominator is hidden."""
        numerator, denominator = row.values.get(column.numerator, 0), row.values.get(column.denominator, 0)
        cell = rate_cell(numerator, denominator, suppress=suppress, threshold=self.threshold)
        parts = [row.cells.get(column.numerator), row.cells.get(column.denominator)]
        if suppress and not cell.suppressed and any(part is not None and part.suppressed for part in parts):
            cell.hide(COMPLEMENT)
        return cell

    def sort(self, key: str, descending: bool) -> "Table":
        """Rows ordered by a column (suppressed and empty cells last) or by label (``key`` "label")."""
        if key == "label":
            self.rows.sort(key=lambda row: row.label.casefold(), reverse=descending)
            return self
        if key not in {column.key for column in self.columns}:
            return self

        def value(row):
            cell = row.cells[key]
            return cell.value if cell.value is not None and not cell.suppressed else None

        known = [row for row in self.rows if value(row) is not None]
        unknown = [row for row in self.rows if value(row) is None]
        known.sort(key=value, reverse=descending)
        self.rows = known + unknown
        return self


# As text -------------------------------------------------------------------------------------------


def format_cell(cell: Cell, column_kind: str, threshold: int) -> str:
    """A cell as the pages show it (``Cell.text``): "fewer than 5", "hidden", "—" for nothing, a rate with "%"."""
    return cell.text(column_kind, threshold)


def table_dataset(table: Table) -> tablib.Dataset:
    """A finalised table as a tablib Dataset (for the exports): hidden cells say why (never 0), the total row last."""
    dataset = tablib.Dataset(headers=[table.label_header, *[str(column.label) for column in table.columns]])
    dataset.title = str(table.title)[:31]
    for row in [*table.rows, *([table.total] if table.total else [])]:
        dataset.append([str(row.label), *[row.cells[column.key].export(table.threshold) for column in table.columns]])
    return dataset
