"""The tables the dashboard, its exports and the public page show: columns, rows, cells, totals.

- **Small groups**: ``Table.finalise`` suppresses any count of fewer than ``INSIGHTS_MIN_GROUP``
  people (and a rate over fewer than that many) for everyone but the training office, and leaves
  suppressed cells out of the totals it shows (so that a hidden figure cannot be found by
  subtracting the others from the total).
- **Text**: ``format_cell`` writes a cell as the pages do ("fewer than 5" for a suppressed one);
  ``table_dataset`` gives a finalised table to the CSV/XLSX exports.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

import tablib
from django.conf import settings
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from accounts.models import OrganisationUnit


def min_group() -> int:
    """The smallest group whose figures are shown to everyone (``INSIGHTS_MIN_GROUP``, at least 1)."""
    return max(1, int(getattr(settings, "INSIGHTS_MIN_GROUP", 5)))


@dataclass(frozen=True)
class Column:
    key: str
    label: str | Promise  # a lazy translation in module-level column lists
    kind: str = "count"  # "count" (people or events), "rate" (numerator ÷ denominator, in %)
    numerator: str = ""
    denominator: str = ""


@dataclass
class Cell:
    value: float | int | None  # None: nothing to compute (a rate over nobody)
    suppressed: bool = False


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


def _count_cell(value: int, *, suppress: bool, threshold: int) -> Cell:
    return Cell(value, suppress and 0 < value < threshold)


def _rate_cell(numerator: int, denominator: int, *, suppress: bool, threshold: int) -> Cell:
    rate = round(100 * numerator / denominator, 1) if denominator else None
    return Cell(rate, suppress and 0 < denominator < threshold)


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

    def finalise(self, *, suppress: bool, threshold: int | None = None, with_total: bool = True) -> "Table":
        """Compute every cell (rates; suppression when ``suppress``) and the total row.

        Outside the training office (``suppress``) a count of 1 to ``threshold − 1`` and a rate over
        fewer than ``threshold`` are hidden, and the total adds up only what is shown (then a total
        below the threshold is hidden too). Inside, every figure is exact and the total adds all rows.
        """
        threshold = threshold or min_group()
        self.suppressed, self.threshold = suppress, threshold
        for row in self.rows:
            row.cells = self._cells(row.values, suppress, threshold)
        if not with_total:
            self.total = None
            return self
        totals = self._totals()
        self.total = TableRow(label=_("Total"), values=totals, kind="total")
        cells = {}
        for column in self.columns:
            if column.kind == "count":
                cells[column.key] = _count_cell(totals[column.key], suppress=suppress, threshold=threshold)
            else:
                numerator = totals[f"{column.key}:{column.numerator}"]
                denominator = totals[f"{column.key}:{column.denominator}"]
                cells[column.key] = _rate_cell(numerator, denominator, suppress=suppress, threshold=threshold)
        self.total.cells = cells
        self.any_suppressed = any(cell.suppressed for row in [*self.rows, self.total] for cell in row.cells.values())
        return self

    def _totals(self) -> dict:
        """What the total row adds up: per count column, and per rate column its two parts; shown cells only."""
        totals = {}
        for column in self.columns:
            shown = [row for row in self.rows if not row.cells[column.key].suppressed]
            if column.kind == "count":
                totals[column.key] = sum(row.values.get(column.key, 0) for row in shown)
            else:
                for part in (column.numerator, column.denominator):
                    totals[f"{column.key}:{part}"] = sum(row.values.get(part, 0) for row in shown)
        return totals

    def _cells(self, values: dict, suppress: bool, threshold: int) -> dict:
        cells = {}
        for column in self.columns:
            if column.kind == "count":
                cells[column.key] = _count_cell(values.get(column.key, 0), suppress=suppress, threshold=threshold)
            else:
                numerator, denominator = values.get(column.numerator, 0), values.get(column.denominator, 0)
                cells[column.key] = _rate_cell(numerator, denominator, suppress=suppress, threshold=threshold)
        if suppress:
            self.any_suppressed = self.any_suppressed or any(cell.suppressed for cell in cells.values())
        return cells

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


def small_group_text(threshold: int) -> str:
    """What a suppressed cell says."""
    return _("fewer than %(count)s") % {"count": threshold}


def format_cell(cell: Cell, column_kind: str, threshold: int) -> str:
    """A cell as the pages show it: "fewer than 5", "—" for nothing, a rate with one decimal and "%"."""
    if cell.suppressed:
        return small_group_text(threshold)
    if cell.value is None:
        return "—"
    if column_kind == "rate":
        return number_format(cell.value, decimal_pos=1, use_l10n=True) + "%"
    return number_format(cell.value, use_l10n=True, force_grouping=True)


def table_dataset(table: Table) -> tablib.Dataset:
    """A finalised table as a tablib Dataset (for the exports): suppressed cells say so, the total row last."""
    dataset = tablib.Dataset(headers=[table.label_header, *[str(column.label) for column in table.columns]])
    dataset.title = str(table.title)[:31]
    small = small_group_text(table.threshold)
    for row in [*table.rows, *([table.total] if table.total else [])]:
        values = []
        for column in table.columns:
            cell = row.cells[column.key]
            values.append(small if cell.suppressed else ("" if cell.value is None else cell.value))
        dataset.append([str(row.label), *values])
    return dataset
