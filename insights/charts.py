"""Charts drawn on the server as inline SVG: no script, a few kilobytes, readable without CSS.

Each chart is an ``<svg role="img">`` labelled by its ``<title>`` and ``<desc>``; the page puts the
same figures in a table next to it, which is what screen readers and exports use. Suppressed figures
(small groups) are not drawn: a bar is left out with its label saying so, a line has a gap.
"""

import datetime

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from .tables import Cell, Table, format_cell, small_group_text

# Colours with enough contrast on white, told apart by dash pattern too (not by colour alone).
SERIES_STYLES = [
    ("#1d4ed8", ""),
    ("#b45309", "6 3"),
    ("#047857", "2 3"),
    ("#7c3aed", "10 4 2 4"),
]
FONT = 'font-family="sans-serif" font-size="12"'


def _number(value):
    """A number as the tables beside the chart write it, in the active language (Vietnamese: 47,9)."""
    if value is None:
        return ""
    if isinstance(value, float) and not value.is_integer():
        return number_format(value, decimal_pos=1, use_l10n=True)
    return number_format(int(value), use_l10n=True)


def bar_chart(
    chart_id, title, description, items, *, maximum=None, suffix="", suppressed_text="", empty_text="", formatter=None
):
    """Horizontal bars: ``items`` is [(label, value or None, suppressed)]; one bar per item, in that order.

    A suppressed item (``suppressed`` true, or the words to say instead, e.g. "fewer than 5") gets no
    bar, never a zero one: its label says so.

    ``formatter`` writes a value as the page's tables do (the language's decimal separator).
    """
    formatter = formatter or _number
    label_width, bar_width, row_height, top = 220, 340, 22, 8
    width = label_width + bar_width + 80
    height = top * 2 + row_height * max(1, len(items))
    shown = [value for _label, value, suppressed in items if value is not None and not suppressed]
    maximum = maximum or max(shown, default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="insights-chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" aria-labelledby="{chart_id}-title {chart_id}-desc" id="{chart_id}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    if not items:
        parts.append(f'<text x="8" y="{top + 15}" {FONT}>{escape(empty_text)}</text>')
    for index, (label, value, suppressed) in enumerate(items):
        y = top + index * row_height
        short = label if len(label) <= 32 else label[:31] + "…"
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 15}" text-anchor="end" {FONT} fill="#1f2937">{escape(short)}</text>'
        )
        if suppressed:
            text = suppressed if isinstance(suppressed, str) else suppressed_text
            parts.append(f'<text x="{label_width + 4}" y="{y + 15}" {FONT} fill="#4b5563">{escape(text)}</text>')
            continue
        if value is None:
            parts.append(f'<text x="{label_width + 4}" y="{y + 15}" {FONT} fill="#4b5563">—</text>')
            continue
        length = max(0.0, bar_width * value / maximum)
        parts.append(
            f'<rect x="{label_width}" y="{y + 3}" width="{length:.1f}" height="{row_height - 6}" fill="#1d4ed8"/>'
        )
        parts.append(
            f'<text x="{label_width + length + 4:.1f}" y="{y + 15}" {FONT} fill="#1f2937">'
            f"{escape(formatter(value))}{escape(suffix)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text is escaped above)


def line_chart(chart_id, title, description, weeks, series, *, empty_text="", width=680, legend_columns=3):
    """Weekly lines: ``weeks`` the Mondays (dates), ``series`` [(name, [value or None per week])].

    A None (suppressed) breaks the line. Axis labels: the first day of a few weeks, and 0 and the maximum.
    ``width`` is the drawing's own width: a narrow one (360) keeps the text readable on a phone.
    """
    legend_rows = -(-len(series) // legend_columns) if series else 0
    left, right, top, bottom = 56, 16, 12, 26 + 16 * legend_rows
    plot_height = 200
    height = top + plot_height + bottom
    plot_width = width - left - right
    values = [value for _name, points in series for value in points if value is not None]
    maximum = max(values, default=0) or 1
    count = len(weeks)

    def x(index):
        return left + (plot_width * index / (count - 1) if count > 1 else plot_width / 2)

    def y(value):
        return top + plot_height - plot_height * value / maximum

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="insights-chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" aria-labelledby="{chart_id}-title {chart_id}-desc" id="{chart_id}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
        f'<line x1="{left}" y1="{top + plot_height}" x2="{width - right}" y2="{top + plot_height}" stroke="#6b7280"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_height}" stroke="#6b7280"/>',
        f'<text x="{left - 6}" y="{top + plot_height + 4}" text-anchor="end" {FONT}>0</text>',
        f'<text x="{left - 6}" y="{top + 10}" text-anchor="end" {FONT}>{escape(_number(maximum))}</text>',
    ]
    if not values:
        parts.append(f'<text x="{left + 8}" y="{top + plot_height / 2}" {FONT}>{escape(empty_text)}</text>')
    step = max(1, round(count / max(2, plot_width // 100)))
    for index in range(0, count, step):
        week = weeks[index]
        text = week.strftime("%d/%m") if isinstance(week, datetime.date) else str(week)
        parts.append(
            f'<text x="{x(index):.1f}" y="{top + plot_height + 16}" text-anchor="middle" {FONT}>{escape(text)}</text>'
        )
    for number, (name, points) in enumerate(series):
        colour, dash = SERIES_STYLES[number % len(SERIES_STYLES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        segment = []
        segments = []
        for index, value in enumerate(points):
            if value is None:
                if segment:
                    segments.append(segment)
                segment = []
            else:
                segment.append(f"{x(index):.1f},{y(value):.1f}")
        if segment:
            segments.append(segment)
        for segment in segments:
            if len(segment) == 1:
                cx, cy = segment[0].split(",")
                parts.append(f'<circle cx="{cx}" cy="{cy}" r="2.5" fill="{colour}"/>')
            else:
                points_attr = " ".join(segment)
                parts.append(
                    f'<polyline points="{points_attr}" fill="none" stroke="{colour}" stroke-width="2"{dash_attr}/>'
                )
        legend_x = left + (number % legend_columns) * (plot_width // legend_columns)
        legend_y = top + plot_height + 34 + (number // legend_columns) * 16
        parts.append(
            f'<line x1="{legend_x}" y1="{legend_y - 4}" x2="{legend_x + 24}" y2="{legend_y - 4}" stroke="{colour}" '
            f'stroke-width="2"{dash_attr}/>'
        )
        parts.append(f'<text x="{legend_x + 30}" y="{legend_y}" {FONT}>{escape(name)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text is escaped above)


# The dashboard's charts, drawn from its finalised tables --------------------------------------------------

BAR_CHART_ROWS = 40


def units_bar_chart(*, table: Table, sort: tuple[str, bool] | None) -> str:
    """The unit table's sorted column (the compliance rate by default) as bars, the first ``BAR_CHART_ROWS`` units."""
    key = sort[0] if sort and sort[0] != "label" else "rate"
    column = next(column for column in table.columns if column.key == key)
    rows = [row for row in table.rows if row.kind != "other"][:BAR_CHART_ROWS]
    cells = [(row.label, row.cells[key]) for row in rows]
    items = [(label, cell.value, cell.suppressed and cell.text(column.kind, table.threshold)) for label, cell in cells]
    maximum = 100 if column.kind == "rate" else None
    description = _("%(figure)s per unit; the table below gives every figure.") % {"figure": column.label}
    if len(table.rows) > BAR_CHART_ROWS:
        description += " " + _("The first %(count)s units in the table's order.") % {"count": BAR_CHART_ROWS}
    return bar_chart(
        "chart-units",
        str(column.label),
        description,
        items,
        maximum=maximum,
        suffix="%" if column.kind == "rate" else "",
        suppressed_text=small_group_text(table.threshold),
        empty_text=_("No units."),
        formatter=lambda value: format_cell(Cell(value), column.kind, table.threshold).rstrip("%"),
    )


def weeks_line_chart(*, table: Table, chart_id: str, keys: list[str], title: str) -> str:
    """Some columns of the week-by-week table as lines (a suppressed week is a gap)."""
    columns = {column.key: column for column in table.columns}
    series = [
        (
            str(columns[key].label),
            [None if row.cells[key].suppressed else row.cells[key].value for row in table.rows],
        )
        for key in keys
    ]
    description = _("Week by week, from the week of %(start)s; the table below gives every figure.") % {
        "start": table.rows[0].label if table.rows else "—"
    }
    return line_chart(
        chart_id, title, description, [row.key for row in table.rows], series, empty_text=_("Nothing in this period.")
    )
