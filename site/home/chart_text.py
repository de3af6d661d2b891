"""A chart in words: a one-sentence summary for screen readers (the drawn chart is one
image to them) and its numbers as a table, both read from the figure's plain dict.

Series over months (x like 2026-10) are summarised by their latest value and its change;
others by their highest and lowest point; a heat map by its highest cell; a histogram by
its fullest bin.
"""

import re

from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

_PERIOD = re.compile(r"^\d{2,4}-\d{2}(-\d{2})?$")


def _number(value):
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def _title(layout):
    title = layout.get("title")
    if isinstance(title, dict):
        title = title.get("text")
    return str(title or "")


def _series(trace):
    """(categories, values) of a bar, line or polar trace."""
    if trace.get("type") == "scatterpolar":
        pairs = list(zip(trace.get("theta") or [], trace.get("r") or [], strict=False))
        if len(pairs) > 1 and pairs[0] == pairs[-1]:
            pairs = pairs[:-1]  # a radar closes its outline by repeating the first point
        return [p[0] for p in pairs], [p[1] for p in pairs]
    if trace.get("type") == "pie":
        return list(trace.get("labels") or []), list(trace.get("values") or [])
    return list(trace.get("x") or []), list(trace.get("y") or [])


def _histogram(trace):
    """(bin labels, counts) of a histogram with explicit xbins (as our builders set)."""
    values = [v for v in trace.get("x") or [] if v is not None]
    bins = trace.get("xbins") or {}
    start, end, size = bins.get("start"), bins.get("end"), bins.get("size")
    if start is None or end is None or not size:
        return [_("all")], [len(values)]
    count = max(1, round((end - start) / size))  # 0 to 100.01 by 10: ten bins, the last holds 100
    labels, counts = [], []
    for index in range(count):
        low, high = start + index * size, start + (index + 1) * size
        last = index == count - 1
        labels.append(f"{_number(float(low))}–{_number(float(high))}")
        counts.append(sum(1 for v in values if low <= v < high or (last and v >= high)))
    return labels, counts


def _summary(name, categories, values):
    points = [(c, v) for c, v in zip(categories, values, strict=False) if v is not None]
    if not points:
        return _("%(name)s: no data") % {"name": name}
    if all(_PERIOD.match(str(c)) for c, _v in points):
        last_period, last = points[-1]
        if len(points) == 1:
            return _("%(name)s: %(value)s in %(period)s") % {
                "name": name, "value": _number(last), "period": last_period,
            }
        previous_period, previous = points[-2]
        if last > previous:
            trend = _("up from %(value)s in %(period)s")
        elif last < previous:
            trend = _("down from %(value)s in %(period)s")
        else:
            trend = _("unchanged from %(period)s")
        trend = trend % {"value": _number(previous), "period": previous_period}
        return _("%(name)s: latest %(value)s in %(period)s, %(trend)s") % {
            "name": name, "value": _number(last), "period": last_period, "trend": trend,
        }
    high = max(points, key=lambda p: p[1])
    low = min(points, key=lambda p: p[1])
    return _("%(name)s: highest %(high)s (%(high_value)s), lowest %(low)s (%(low_value)s)") % {
        "name": name, "high": high[0], "high_value": _number(high[1]), "low": low[0], "low_value": _number(low[1]),
    }


def _heatmap(trace, title):
    columns = [str(x) for x in trace.get("x") or []]
    rows = [str(y) for y in trace.get("y") or []]
    grid = trace.get("z") or []
    cells = [(row, column, value) for row, line in zip(rows, grid, strict=False)
             for column, value in zip(columns, line, strict=False) if value is not None]
    if cells:
        row, column, value = max(cells, key=lambda cell: cell[2])
        summary = _("highest %(row)s %(column)s (%(value)s)") % {
            "row": row, "column": column, "value": _number(value),
        }
    else:
        summary = _("no data")
    head = format_html("<tr><th scope=\"col\"></th>{}</tr>", format_html_join("", "<th scope=\"col\">{}</th>", ((c,) for c in columns)))
    body = format_html_join(
        "",
        "<tr><th scope=\"row\">{}</th>{}</tr>",
        (
            (row, format_html_join("", "<td>{}</td>", ((_number(v),) for v in line)))
            for row, line in zip(rows, grid, strict=False)
        ),
    )
    return summary, format_html("<thead>{}</thead><tbody>{}</tbody>", head, body)


def describe(spec):
    """(aria-label, table body HTML) for a figure's plain dict."""
    layout = spec.get("layout") or {}
    title = _title(layout) or _("Chart")
    traces = [t for t in spec.get("data") or [] if t.get("visible", True) is not False]
    heatmaps = [t for t in traces if t.get("type") == "heatmap"]
    if heatmaps:
        summary, table = _heatmap(heatmaps[0], title)
        return f"{title}. {summary}", table
    categories, columns, summaries = [], [], []
    for trace in traces:
        if trace.get("type") == "histogram":
            labels, values = _histogram(trace)
        else:
            labels, values = _series(trace)
        name = str(trace.get("name") or title)
        for label in labels:
            if label not in categories:
                categories.append(label)
        columns.append((name, dict(zip(labels, values, strict=False))))
        if trace.get("type") == "histogram":
            points = list(zip(labels, values, strict=False))
            fullest = max(points, key=lambda p: p[1]) if points else None
            summaries.append(
                _("%(name)s: %(count)s values, most in %(bin)s (%(most)s)") % {
                    "name": name, "count": sum(values), "bin": fullest[0], "most": fullest[1],
                } if fullest else _("%(name)s: no data") % {"name": name}
            )
        else:
            summaries.append(_summary(name, labels, values))
    head = format_html(
        "<tr><th scope=\"col\"></th>{}</tr>", format_html_join("", "<th scope=\"col\">{}</th>", ((n,) for n, _v in columns))
    )
    body = format_html_join(
        "",
        "<tr><th scope=\"row\">{}</th>{}</tr>",
        (
            (category, format_html_join("", "<td>{}</td>", ((_number(values.get(category)),) for _n, values in columns)))
            for category in categories
        ),
    )
    label = f"{title}. " + "; ".join(summaries) if summaries else title
    return label, format_html("<thead>{}</thead><tbody>{}</tbody>", head, body)
