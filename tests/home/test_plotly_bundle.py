"""Our partial plotly.js bundle: every trace type the figure builders produce is in it, the
page never loads the full 4.8 MB plotly.min.js, and production serves it compressed under a
hashed name with a far-future lifetime."""

import ast
import gzip
import re
from pathlib import Path

import plotly.graph_objects as go
import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.utils import translation
from plotly.basedatatypes import BaseTraceType

from home.charts import PLOTLY_JS_PATH, plotly_js_url, render_figure

ROOT = Path(settings.BASE_DIR)
CHART_MODULES = sorted(ROOT.glob("*/charts.py")) + [ROOT / "site" / "home" / "charts.py"]


def _bundle_text():
    return Path(finders.find(PLOTLY_JS_PATH)).read_text(encoding="utf-8")


def _escaped(text):
    return "".join(f"\\u{ord(c):04X}" if ord(c) > 127 else c for c in text)


def _traces_built():
    """Every plotly trace class a figure builder calls (go.Bar(...), go.Scatterpolar(...))."""
    types = set()
    for module in CHART_MODULES:
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "go"
            ):
                cls = getattr(go, node.func.attr)
                if isinstance(cls, type) and issubclass(cls, BaseTraceType):
                    types.add(cls().type)
    return types


def test_the_builders_use_traces_and_the_scan_finds_them():
    assert {"bar", "scatter", "heatmap", "histogram", "scatterpolar"} <= _traces_built()


def test_the_bundle_registers_every_trace_type_the_builders_produce():
    bundle = _bundle_text()
    registered = set(re.findall(r'moduleType:"trace",name:"([a-z0-9]+)"', bundle))
    missing = _traces_built() - registered
    assert not missing, f"add {sorted(missing)} to site/home/plotly_bundle/entry.js and rebuild"
    # Only what we use: no 3D, maps or WebGL.
    assert registered <= _traces_built() | {"scatter"}


def test_the_bundle_is_a_quarter_of_the_full_plotly_and_has_the_chinese_locale():
    bundle = _bundle_text()
    assert len(bundle.encode()) < 1_400_000  # the full plotly.min.js is 4,815,814 bytes
    assert len(gzip.compress(bundle.encode())) < 500_000
    assert 'moduleType:"locale",name:"zh-CN"' in bundle
    assert _escaped("下载图表为PNG格式") in bundle  # 'Download plot as a PNG'; esbuild writes ASCII
    assert bundle.startswith("/*! plotly.js v") and "MIT License" in bundle.splitlines()[0]


def test_figures_draw_no_title_or_toolbar_and_are_one_image_named_by_their_title_and_data():
    figure = go.Figure(go.Bar(x=["甲", "乙"], y=[1, 2]))
    figure.update_layout(title="成绩分布")
    with translation.override("zh-hans"):
        html = render_figure(figure)
    assert '"locale": "zh-CN"' in html
    script = html[html.index("<script") : html.index("</script>")]
    assert "成绩分布" not in script  # the page's heading names the drawn chart
    assert '"displayModeBar": false' in script
    # Named for screen readers: the title, then what the data says.
    assert 'role="img" aria-label="成绩分布. 成绩分布：最高 乙（2），最低 甲（1）"' in html
    assert "<td>2</td>" in html.split("<details", 1)[1]  # the numbers, behind a disclosure
    with translation.override("en"):
        assert '"locale": "en"' in render_figure(figure)


@pytest.mark.django_db
def test_pages_load_the_partial_bundle(client_for, role_users):
    page = client_for(role_users["staff"]).get("/me/records/").content.decode()
    assert "/static/plotly/plotly-frontline.min.js" in page
    assert "plotly.min.js" not in page


@pytest.mark.django_db  # closing the response sends request_finished
def test_production_serves_the_bundle_hashed_compressed_and_cached_for_a_year(tmp_path):
    from whitenoise.middleware import WhiteNoiseMiddleware

    with override_settings(
        STATIC_ROOT=tmp_path,
        STATICFILES_DIRS=[ROOT / "site" / "static"],
        STATICFILES_FINDERS=["django.contrib.staticfiles.finders.FileSystemFinder"],
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
        },
        WHITENOISE_AUTOREFRESH=False,
        WHITENOISE_USE_FINDERS=False,
    ):
        call_command("collectstatic", interactive=False, verbosity=0)
        url = plotly_js_url()
        assert re.fullmatch(r"/static/plotly/plotly-frontline\.min\.[0-9a-f]{12}\.js", url), url
        middleware = WhiteNoiseMiddleware(lambda request: HttpResponse(status=404))
        for encoding, expected in (("gzip", "gzip"), ("br, gzip", "br")):
            response = middleware(RequestFactory().get(url, HTTP_ACCEPT_ENCODING=encoding))
            assert response.status_code == 200
            assert response["Content-Encoding"] == expected
            assert "immutable" in response["Cache-Control"]
            assert int(re.search(r"max-age=(\d+)", response["Cache-Control"]).group(1)) >= 365 * 24 * 3600
            assert int(response["Content-Length"]) < 500_000
            response.close()
