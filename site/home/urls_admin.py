from django.urls import path

from . import import_views

import_urls = [
    path("", import_views.ImportIndexView.as_view(), name="index"),
    path("<slug:kind>/", import_views.ImportUploadView.as_view(), name="upload"),
    path("<slug:kind>/template.xlsx", import_views.ImportTemplateView.as_view(), name="template"),
    path("<slug:kind>/<int:pk>/", import_views.ImportBatchView.as_view(), name="batch"),
]
