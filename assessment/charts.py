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


# --- Evaluation dashboards ----------------------------------------------------------------
# Every builder takes the plain rows of assessment.selectors.dashboards (numbers already
# aggregated on the server) and returns a Figure; the same rows fill the page's tables.

GRADE_COLOURS = {
    "excellent": "#0f766e",
    "good": "#1d4ed8",
    "pass": "#64748b",
    "basic_pass": "#b45309",
    "fail": "#b91c1c",
}
COMPONENT_KEYS = ("R", "D", "T", "L")


def grade_names():
    from django.utils.translation import pgettext

    return {
        "excellent": pgettext("grade", "Excellent"),
        "good": pgettext("grade", "Good"),
        "pass": pgettext("grade", "Pass"),
        "basic_pass": pgettext("grade", "Basic pass"),
        "fail": pgettext("grade", "Fail"),
    }


def component_names():
    return {"R": _("R ratings"), "D": _("D discipline"), "T": _("T tests"), "L": _("L learning")}


def _num(value):
    return None if value is None else float(value)


def grade_distribution_figure(rows):
    """Stacked bars: people per grade in each centre. rows: [(centre, {grade: count})]."""
    centres = [name for name, _counts in rows]
    figure = go.Figure()
    for grade, name in grade_names().items():
        figure.add_trace(
            go.Bar(name=name, x=centres, y=[counts[grade] for _n, counts in rows], marker_color=GRADE_COLOURS[grade])
        )
    figure.update_layout(
        title=_("Grades per service centre"),
        barmode="stack",
        xaxis={"type": "category"},
        yaxis={"title": _("People"), "rangemode": "tozero"},
        legend={"orientation": "h", "y": -0.25},
    )
    return figure


def score_histogram_figure(bins):
    """Bars of people per score band. bins: [(low, high, count)]."""
    labels = [f"{low}–{high}" for low, high, _n in bins]
    figure = go.Figure(go.Bar(x=labels, y=[n for _l, _h, n in bins], marker_color="#1d4ed8"))
    figure.update_layout(
        title=_("Score distribution"),
        xaxis={"type": "category", "title": _("Score")},
        yaxis={"title": _("People"), "rangemode": "tozero"},
    )
    return figure


def score_trend_figure(rows):
    """Mean and median score per month. rows: [{month, mean, median}]."""
    months = [r["month"] for r in rows]
    figure = go.Figure()
    figure.add_trace(go.Scatter(name=_("Mean"), x=months, y=[_num(r["mean"]) for r in rows], mode="lines+markers"))
    figure.add_trace(
        go.Scatter(name=_("Median"), x=months, y=[_num(r["median"]) for r in rows], mode="lines+markers",
                   line={"dash": "dot"})
    )
    figure.update_layout(
        title=_("Score trend"),
        xaxis={"type": "category"},
        yaxis={"title": _("Score"), "range": [0, 110]},
        legend={"orientation": "h", "y": -0.25},
    )
    return figure


def component_trend_figure(rows):
    """Mean of each component per month. rows: [{month, R, D, T, L}]."""
    months = [r["month"] for r in rows]
    figure = go.Figure()
    for key, name in component_names().items():
        figure.add_trace(go.Scatter(name=name, x=months, y=[_num(r[key]) for r in rows], mode="lines+markers"))
    figure.update_layout(
        title=_("Component means"),
        xaxis={"type": "category"},
        yaxis={"range": [0, 100]},
        legend={"orientation": "h", "y": -0.25},
    )
    return figure


def satisfaction_figure(rows):
    """Satisfied share and bad-review rate (%) per month, with the mean points.
    rows: [{month, mean_points, satisfied_share, bad_rate}]."""
    months = [r["month"] for r in rows]
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(name=_("Mean points"), x=months, y=[_num(r["mean_points"]) for r in rows], mode="lines+markers",
                   marker_color="#0f766e")
    )
    figure.add_trace(
        go.Scatter(name=_("Satisfied (%)"), x=months, y=[_num(r["satisfied_share"]) for r in rows],
                   mode="lines+markers", marker_color="#1d4ed8")
    )
    figure.add_trace(
        go.Bar(name=_("Bad-review rate (%)"), x=months, y=[_num(r["bad_rate"]) for r in rows], yaxis="y2",
               marker_color="#b91c1c", opacity=0.6)
    )
    figure.update_layout(
        title=_("Satisfaction and bad reviews"),
        xaxis={"type": "category"},
        yaxis={"range": [0, 100]},
        yaxis2={"title": _("Bad-review rate (%)"), "overlaying": "y", "side": "right", "rangemode": "tozero"},
        legend={"orientation": "h", "y": -0.25},
    )
    return figure


def attendance_heatmap_figure(heatmap):
    """Share of working days not on time, per day (x) and centre (y).
    heatmap: {days, centres, shares} as selectors.attendance_heatmap returns."""
    figure = go.Figure(
        go.Heatmap(
            x=[d.strftime("%m-%d") for d in heatmap["days"]],
            y=heatmap["centres"],
            z=[[_num(v) for v in row] for row in heatmap["shares"]],
            zmin=0,
            zmax=100,
            colorscale="OrRd",
            colorbar={"title": "%"},
            hovertemplate="%{y} %{x}：%{z}%<extra></extra>",
        )
    )
    figure.update_layout(title=_("Attendance: share of working days not on time"), xaxis={"type": "category"})
    return figure


def vendor_scorecard_figure(cards):
    """Vendor companies side by side: mean score, bad-review rate and lateness rate (%).
    cards: as selectors.vendor_scorecards returns."""
    vendors = [c["vendor"] for c in cards]
    figure = go.Figure()
    figure.add_trace(go.Bar(name=_("Mean score"), x=vendors, y=[_num(c["mean"]) for c in cards],
                            marker_color="#1d4ed8"))
    figure.add_trace(go.Bar(name=_("Bad-review rate (%)"), x=vendors, y=[_num(c["bad_rate"]) for c in cards],
                            marker_color="#b91c1c"))
    figure.add_trace(go.Bar(name=_("Lateness rate (%)"), x=vendors, y=[_num(c["late_rate"]) for c in cards],
                            marker_color="#b45309"))
    figure.update_layout(
        title=_("Vendor scorecards"),
        barmode="group",
        xaxis={"type": "category"},
        yaxis={"rangemode": "tozero"},
        legend={"orientation": "h", "y": -0.25},
    )
    return figure


def my_score_figure(rows):
    """A person's score per month. rows: [{month, score}]."""
    figure = go.Figure(
        go.Scatter(x=[r["month"] for r in rows], y=[_num(r["score"]) for r in rows], mode="lines+markers+text",
                   text=[str(r["score"]) for r in rows], textposition="top center", marker_color="#1d4ed8")
    )
    figure.update_layout(title=_("My score"), xaxis={"type": "category"}, yaxis={"range": [0, 110]})
    return figure


def component_radar_figure(mine, centre):
    """My components against my centre's means, as a radar. mine, centre: {R, D, T, L}."""
    names = component_names()
    theta = [names[k] for k in COMPONENT_KEYS] + [names[COMPONENT_KEYS[0]]]

    def closed(values):
        points = [_num(values.get(k)) for k in COMPONENT_KEYS]
        return points + points[:1]

    figure = go.Figure()
    figure.add_trace(go.Scatterpolar(name=_("Me"), r=closed(mine), theta=theta, fill="toself", marker_color="#1d4ed8",
                                     opacity=0.8))
    figure.add_trace(go.Scatterpolar(name=_("Centre mean"), r=closed(centre), theta=theta, mode="lines+markers",
                                     line={"color": "#b45309", "dash": "dash", "width": 2}))
    figure.update_layout(
        title=_("My components"),
        polar={"radialaxis": {"range": [0, 100]}},
        legend={"orientation": "h", "y": -0.15},
    )
    return figure
