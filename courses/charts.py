"""Figures of the trainer reports (plain data in, plotly Figure out; rendered by home.charts)."""

import plotly.graph_objects as go
from django.utils.translation import gettext as _

STATUS_COLOURS = {"on_time": "#0f766e", "late": "#b45309", "pending": "#94a3b8", "overdue": "#b91c1c"}


def status_labels():
    return {
        "on_time": _("Completed on time"),
        "late": _("Completed late"),
        "pending": _("Not yet due"),
        "overdue": _("Overdue"),
    }


def completion_figure(rows, *, title):
    """Stacked bars: per centre, post or item, how many assignments were completed on time,
    late, are still open, or are overdue."""
    labels = [row["label"] for row in rows]
    figure = go.Figure()
    for status, name in status_labels().items():
        figure.add_trace(
            go.Bar(
                name=name,
                x=labels,
                y=[row[status] for row in rows],
                marker_color=STATUS_COLOURS[status],
                hovertemplate="%{x}<br>" + name + "：%{y}<extra></extra>",
            )
        )
    figure.update_layout(
        title=title,
        barmode="stack",
        legend={"orientation": "h", "y": -0.2, "traceorder": "normal"},
        yaxis={"title": _("People × items"), "rangemode": "tozero"},
    )
    return figure


def feedback_figure(rows):
    """Mean satisfaction (1–5) per course, with the number of ratings in the hover."""
    figure = go.Figure(
        go.Bar(
            x=[row["title"] for row in rows],
            y=[float(row["mean"]) for row in rows],
            customdata=[row["count"] for row in rows],
            marker_color="#1d4ed8",
            hovertemplate="%{x}<br>" + _("Mean") + "：%{y:.2f}<br>" + _("Ratings") + "：%{customdata}<extra></extra>",
        )
    )
    figure.update_layout(title=_("Satisfaction by course"), yaxis={"range": [0, 5], "title": _("Mean (1–5)")})
    return figure


def coverage_figure(coverage):
    """Acknowledged share of each policy update's current round."""
    figure = go.Figure(
        go.Bar(
            x=[item["policy"].title for item in coverage],
            y=[float(item["rate"]) for item in coverage],
            customdata=[[item["acknowledged"], item["expected"]] for item in coverage],
            marker_color="#0f766e",
            hovertemplate="%{x}<br>%{y:.1f}%（%{customdata[0]}/%{customdata[1]}）<extra></extra>",
        )
    )
    figure.update_layout(
        title=_("Acknowledgement coverage"), yaxis={"range": [0, 100], "title": _("Acknowledged (%)")}
    )
    return figure
