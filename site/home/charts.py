"""The shared plotly renderer: figures become an HTML fragment that uses our own plotly.js.

Figure builders live in each app's `charts.py` (plain data in, Figure out); templates
include `home/includes/plotly_js.html` once and render each figure with `render_figure`.
"""

import re

from django.templatetags.static import static
from django.utils.safestring import mark_safe

PLOTLY_JS_PATH = "plotly/plotly.min.js"

# Chinese-friendly defaults shared by every chart.
BASE_LAYOUT = {
    "font": {"family": "'Noto Sans CJK SC', 'Microsoft YaHei', 'PingFang SC', sans-serif", "size": 13},
    "margin": {"l": 48, "r": 16, "t": 48, "b": 48},
    "paper_bgcolor": "rgba(0,0,0,0)",
    "plot_bgcolor": "rgba(0,0,0,0)",
    "colorway": ["#1d4ed8", "#0f766e", "#b45309", "#b91c1c", "#6d28d9", "#0369a1"],
}


def plotly_js_url():
    return static(PLOTLY_JS_PATH)


def render_figure(figure, *, div_id=None, height=None, nonce=None):
    """Return the figure as a `<div>` and its script; plotly.js itself is not embedded.

    `nonce` is the request's CSP nonce: the inline script that draws the figure needs it.
    """
    figure.update_layout(**BASE_LAYOUT)
    if height:
        figure.update_layout(height=height)
    html = figure.to_html(
        full_html=False,
        include_plotlyjs=False,
        div_id=div_id,
        config={"displaylogo": False, "responsive": True},
    )
    if nonce:
        html = re.sub(r"<script(?=[\s>])", f'<script nonce="{nonce}"', html)
    return mark_safe(html)  # noqa: S308 - plotly's own output, built from our data
