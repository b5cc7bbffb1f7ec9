"""Small-group suppression: the one rule for every figure the dashboard, its exports, charts and the public page show.

- **A figure** (``Cell``) is a number, or nothing to compute (a rate over nobody, "—"), or hidden.
  A hidden figure is never shown or exported as 0 or as an empty cell: it says why it is hidden,
  "fewer than 5" (a small group: 1 to ``INSIGHTS_MIN_GROUP − 1`` people) or "hidden" (a larger
  figure hidden so that a small one cannot be worked back, see below). Zero is shown: nobody to
  identify.
- **Totals are true**: a table's total adds every row, shown or not, so the headline says what is
  so (and equals ``courses.training.compliance``'s total on the same data). A total that is itself a
  small group says "fewer than 5".
- **Complementary suppression** (``protect``): with a true total, the hidden cells of a column add up
  to the total minus the cells shown. Reading "fewer than 5" as 1 to 4 and "hidden" as at least 5,
  every hidden small cell must still have at least two possible values; while one has a single
  possible value, the smallest shown non-zero cell of that column is hidden too ("hidden"), and when
  none is left, the total. ``tests/insights/test_suppression.py`` checks this by trying every value.
- **Rates** are hidden when their denominator is a small group ("fewer than 5"), or when their
  numerator or denominator is hidden (the rate would give it back).
- **Who**: the public page, leaders and unit managers see figures suppressed; the training office
  (``insights.view_small_figures``) sees them exact; a unit manager sees the mandatory training
  figures of her own units exact (``EXACT_FOR_MANAGERS``), as her team page lists those people by name.
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _

SMALL = "small"  # 1 to threshold − 1 people
COMPLEMENT = "complement"  # hidden so that a small cell of its column cannot be worked back

# The mandatory training figures (the unit table's columns) a unit manager sees exact for her own units.
EXACT_FOR_MANAGERS = frozenset({"required", "compliant", "rate", "overdue"})


def min_group() -> int:
    """The smallest group whose figures are shown to everyone (``INSIGHTS_MIN_GROUP``, at least 1)."""
    return max(1, int(getattr(settings, "INSIGHTS_MIN_GROUP", 5)))


@dataclass
class Cell:
    """One figure: ``value`` (None: nothing to compute), and why it is hidden, if it is (``reason``)."""

    value: float | int | None
    suppressed: bool = False
    reason: str = ""  # SMALL or COMPLEMENT when suppressed

    def __post_init__(self):
        if self.suppressed and not self.reason:
            self.reason = SMALL

    def hide(self, reason: str) -> None:
        self.suppressed, self.reason = True, reason

    def text(self, kind: str, threshold: int) -> str:
        """As the pages write it: "fewer than 5", "hidden", "—" for nothing, a rate with one decimal and "%"."""
        if self.suppressed:
            return hidden_text() if self.reason == COMPLEMENT else small_group_text(threshold)
        if self.value is None:
            return "—"
        if kind == "rate":
            return number_format(self.value, decimal_pos=1, use_l10n=True) + "%"
        return number_format(self.value, use_l10n=True, force_grouping=True)

    def export(self, threshold: int) -> float | int | str:
        """As the exports write it: the number, or the same words as the page (never 0 or an empty cell)."""
        if self.suppressed:
            return hidden_text() if self.reason == COMPLEMENT else small_group_text(threshold)
        return "—" if self.value is None else self.value

    def as_tuple(self) -> tuple:
        """Plain data, for the public page's cache."""
        return (self.value, self.suppressed, self.reason)

    @classmethod
    def from_tuple(cls, data: tuple) -> "Cell":
        return cls(*data)


def small_group_text(threshold: int) -> str:
    """What a small group's figure says."""
    return _("fewer than %(count)s") % {"count": threshold}


def hidden_text() -> str:
    """What a figure hidden to protect a small group says."""
    return _("hidden")


def count_cell(value: int, *, suppress: bool, threshold: int) -> Cell:
    """A count, hidden ("fewer than 5") when ``suppress`` and it is 1 to ``threshold − 1``."""
    return Cell(value, suppress and 0 < value < threshold)


def rate_cell(numerator: int, denominator: int, *, suppress: bool, threshold: int) -> Cell:
    """numerator ÷ denominator in per cent (one decimal); hidden when ``suppress`` and the denominator is small."""
    rate = round(100 * numerator / denominator, 1) if denominator else None
    return Cell(rate, suppress and 0 < denominator < threshold)


# Complementary suppression ---------------------------------------------------------------------------

UNBOUNDED = 10**12


def _bounds(cell: Cell, threshold: int) -> tuple[int, int]:
    """What a reader knows of a count from its text: exact, 1 to threshold − 1, or at least threshold."""
    if not cell.suppressed:
        return int(cell.value or 0), int(cell.value or 0)
    if cell.reason == COMPLEMENT:
        return threshold, UNBOUNDED
    return 1, threshold - 1


def pinned(cells: list[Cell], total: Cell, threshold: int) -> list[int]:
    """The indexes of hidden small cells whose value a reader can work out from ``total`` and the others.

    With the total known to lie in [lo, hi] and every other cell in its bounds, cell i lies in
    [max(own lo, lo − Σ others' hi), min(own hi, hi − Σ others' lo)]: pinned when that is one number.
    """
    if total.suppressed and total.reason == COMPLEMENT:
        return []  # nothing to subtract from
    total_low, total_high = _bounds(total, threshold)
    bounds = [_bounds(cell, threshold) for cell in cells]
    low_sum, high_sum = sum(low for low, _high in bounds), sum(high for _low, high in bounds)
    found = []
    for index, cell in enumerate(cells):
        if not (cell.suppressed and cell.reason == SMALL) or threshold <= 2:
            continue  # "fewer than 2" is 1 by itself: nothing more to protect
        own_low, own_high = bounds[index]
        low = max(own_low, total_low - (high_sum - own_high))
        high = min(own_high, total_high - (low_sum - own_low))
        if low >= high:
            found.append(index)
    return found


def protect(cells: list[Cell], total: Cell, threshold: int) -> None:
    """Hide more of a column until no small cell is pinned: its smallest shown non-zero cells, else its total.

    When the total has to be hidden, the cells hidden on the way are shown again: with no total
    there is nothing to subtract from.
    """
    added: list[Cell] = []
    while pinned(cells, total, threshold):
        shown = [cell for cell in cells if not cell.suppressed and cell.value]
        if not shown:
            for cell in added:
                cell.suppressed, cell.reason = False, ""
            total.hide(COMPLEMENT)
            return
        cell = min(shown, key=lambda cell: cell.value or 0)
        cell.hide(COMPLEMENT)
        added.append(cell)
