"""Figure builders of the exams app: plain data in, plotly Figure out."""

import plotly.graph_objects as go


def score_distribution(percents, *, pass_percent, title):
    """A histogram of the counting attempts' percentages in 10-point bins, with the pass mark."""
    figure = go.Figure(
        go.Histogram(x=[float(p) for p in percents], xbins={"start": 0, "end": 100.01, "size": 10}, marker_line_width=1)
    )
    figure.add_vline(x=float(pass_percent), line_dash="dash", line_color="#b91c1c")
    figure.update_layout(title=title, xaxis_title="%", yaxis_title="人数", bargap=0.05, xaxis_range=[0, 100])
    return figure


def pass_rate_by_centre(rows, *, title):
    """rows: {centre: {"rate": Decimal, ...}} → horizontal bars of the pass rate."""
    names = list(rows)
    figure = go.Figure(go.Bar(x=[float(rows[n]["rate"]) for n in names], y=names, orientation="h"))
    figure.update_layout(title=title, xaxis_title="%", xaxis_range=[0, 100])
    return figure
