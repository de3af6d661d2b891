"""The shared plotly renderer: figures become an HTML fragment that uses our own plotly.js.

Figure builders live in each app's `charts.py` (plain data in, Figure out); templates
include `home/includes/plotly_js.html` once and render each figure with `render_figure`.
plotly.js is our partial bundle (site/home/plotly_bundle): only the trace types the builders
use, 1.2 MB instead of the full 4.8 MB.

A chart is named by the page's heading above it, never by a title inside the figure as
well: render_figure drops the figure's title (the heading is what screen readers and
the page outline see).
"""

import copy
import re

import plotly.io as pio
from django.templatetags.static import static
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

PLOTLY_JS_PATH = "plotly/plotly-frontline.min.js"

# Chinese-friendly defaults shared by every chart.
BASE_LAYOUT = {
    "font": {"family": "'Noto Sans CJK SC', 'Microsoft YaHei', 'PingFang SC', sans-serif", "size": 13},
    "margin": {"l": 48, "r": 16, "t": 32, "b": 48},
    "paper_bgcolor": "rgba(0,0,0,0)",
    "plot_bgcolor": "rgba(0,0,0,0)",
    "colorway": ["#1d4ed8", "#0f766e", "#b45309", "#b91c1c", "#6d28d9", "#0369a1"],
}


# Zoom, pan, reset and download stay; box and lasso selection mean nothing on our charts,
# and plotly.js 4's "Share chart" would upload the data to Plotly's cloud (and is not
# translated). Phones get no toolbar at all (frontline.css hides it below 640 px).
MODEBAR_REMOVE = ["select2d", "lasso2d", "sendChartToCloud"]


def plotly_js_url():
    return static(PLOTLY_JS_PATH)


def plotly_config():
    """The toolbar speaks the page's language: zh-CN is the only locale in our bundle."""
    language = (get_language() or "").lower()
    return {
        "displaylogo": False,
        "responsive": True,
        "locale": "zh-CN" if language.startswith("zh") else "en",
        "modeBarButtonsToRemove": MODEBAR_REMOVE,
    }


def _merge(layout, updates):
    """Deep-merge `updates` into the layout dict, as Figure.update_layout does (nested dicts
    are merged, everything else replaced)."""
    for key, value in updates.items():
        if isinstance(value, dict) and isinstance(layout.get(key), dict):
            _merge(layout[key], value)
        else:
            layout[key] = copy.deepcopy(value)
    return layout


def render_figure(figure, *, div_id=None, height=None, nonce=None):
    """Return the figure as a `<div>` and its script; plotly.js itself is not embedded.

    The shared layout is merged into the figure's plain dict: Figure.update_layout validates
    every property again and cost more than building the figure (a third of the HR
    dashboard's render). The figure itself was validated when it was built.
    `nonce` is the request's CSP nonce: the inline script that draws the figure needs it.
    """
    spec = figure.to_dict()
    layout = _merge(spec.setdefault("layout", {}), BASE_LAYOUT)
    layout.pop("title", None)
    if height:
        layout["height"] = height
    html = pio.to_html(
        spec,
        full_html=False,
        include_plotlyjs=False,
        div_id=div_id,
        config=plotly_config(),
        validate=False,
    )
    if nonce:
        html = re.sub(r"<script(?=[\s>])", f'<script nonce="{nonce}"', html)
    return mark_safe(html)  # noqa: S308 - plotly's own output, built from our data
