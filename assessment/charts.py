"""Figures of service records (plain data in, plotly Figure out; rendered by home.charts)."""

import plotly.graph_objects as go
from django.utils.translation import gettext as _


def rating_trend_figure(rows):
    """Bars of valid ratings and bad reviews per month, with the mean points as a line.

    rows: [(month label, valid count, bad count, mean points or None)].
    """
    months = [r[0] for r in rows]
    figure = go.Figure()
    figure.add_trace(go.Bar(name=_("valid ratings"), x=months, y=[r[1] for r in rows], marker_color="#1d4ed8"))
    figure.add_trace(go.Bar(name=_("bad reviews"), x=months, y=[r[2] for r in rows], marker_color="#b91c1c"))
    figure.add_trace(
        go.Scatter(
            name=_("mean points"),
            x=months,
            y=[float(r[3]) if r[3] is not None else None for r in rows],
            yaxis="y2",
            mode="lines+markers",
            marker_color="#0f766e",
        )
    )
    figure.update_layout(
        barmode="group",
        xaxis={"type": "category"},
        legend={"orientation": "h", "y": -0.25},
        yaxis={"title": _("ratings"), "rangemode": "tozero"},
        yaxis2={"title": _("mean points"), "overlaying": "y", "side": "right", "range": [0, 100]},
    )
    return figure
