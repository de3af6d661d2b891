"""The shared plotly tag on pages under the strict CSP."""

import plotly.graph_objects as go
from csp.middleware import CSPMiddleware
from django.template import Context, Template
from django.test import RequestFactory


def test_chart_script_carries_the_request_nonce_even_before_anything_read_it():
    request = RequestFactory().get("/me/records/")
    CSPMiddleware(lambda r: None).process_request(request)  # a lazy nonce, not yet evaluated
    figure = go.Figure(go.Bar(x=["甲", "乙"], y=[1, 2]))
    html = Template("{% load frontline %}{% plotly_figure figure %}").render(
        Context({"request": request, "figure": figure})
    )
    assert f'nonce="{request.csp_nonce}"' in html
