"""The shared plotly renderer: figures become an HTML fragment that uses our own plotly.js.

Figure builders live in each app's `charts.py` (plain data in, Figure out); templates
include `home/includes/plotly_js.html` once and render each figure with `render_figure`.
plotly.js is our partial bundle (site/home/plotly_bundle): only the trace types the builders
use, 1.2 MB instead of the full 4.8 MB.

A chart is named by the page's heading above it, never by a title inside the figure as
well: render_figure drops the drawn title. To screen readers the drawing is one image
(role="img") named by the figure's title and a summary of its data, and the numbers follow
as a table behind a disclosure (chart_text.py). No toolbar: its buttons were a dozen
unnamed tab stops per chart, and the table (and the pages' Excel exports) carry the data.
"""

import copy
import re

import plotly.io as pio
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .chart_text import describe

PLOTLY_JS_PATH = "plotly/plotly-frontline.min.js"

# Chinese-friendly defaults shared by every chart.
BASE_LAYOUT = {
    "font": {"family": "'Noto Sans CJK SC', 'Microsoft YaHei', 'PingFang SC', sans-serif", "size": 13},
    "margin": {"l": 48, "r": 16, "t": 32, "b": 48},
    "paper_bgcolor": "rgba(0,0,0,0)",
    "plot_bgcolor": "rgba(0,0,0,0)",
    "colorway": ["#1d4ed8", "#0f766e", "#b45309", "#b91c1c", "#6d28d9", "#0369a1"],
}


# Should the toolbar come back: box and lasso selection mean nothing on our charts, and
# plotly.js 4's "Share chart" would upload the data to Plotly's cloud.
MODEBAR_REMOVE = ["select2d", "lasso2d", "sendChartToCloud"]


def plotly_js_url():
    return static(PLOTLY_JS_PATH)


def plotly_config():
    """The toolbar speaks the page's language: zh-CN is the only locale in our bundle."""
    language = (get_language() or "").lower()
    return {
        "displaylogo": False,
        "displayModeBar": False,
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
    label, table = describe(spec)
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
    drawing = mark_safe(html)  # noqa: S308 - plotly's own output, built from our data
    return format_html(
        '<div class="chart"><div class="chart-drawing" role="img" aria-label="{}">{}</div>'
        '<details class="chart-data"><summary>{}</summary>'
        '<div class="table-wrap" tabindex="0" role="region" aria-label="{}"><table class="data-table">{}</table></div>'
        "</details></div>",
        label,
        drawing,
        _("The chart's numbers as a table"),
        label.split(". ", 1)[0],
        table,
    )
