from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from home import monitoring, private_views
from people import account_views

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/login/", account_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/change/",
        account_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "accounts/activate/<uidb64>/<token>/",
        account_views.ActivateAccountView.as_view(),
        name="account_activate",
    ),
    path(
        "accounts/activate/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="registration/activate_done.html"),
        name="account_activate_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        account_views.ResetPasswordView.as_view(),
        name="account_reset",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="registration/password_reset_done.html"),
        name="account_reset_done",
    ),
    path("me/", include("people.urls")),
    path("help/", include("home.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # Import uploads and inspection photos, to the roles allowed (home/private_files.py).
    path("private/<path:name>", private_views.private_file, name="private_file"),
    # For monitors only (home/monitoring.py): refused outside MONITORING_NETWORKS.
    path("internal/health/", monitoring.health, name="internal_health"),
    path("internal/metrics", monitoring.metrics, name="internal_metrics"),
    # Each app's own public and portal pages (me/learning/, me/exams/, rate/, api/v1/ ...).
    path("", include("courses.urls")),
    path("", include("exams.urls")),
    path("", include("competitions.urls")),
    path("", include("assessment.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    # Public media only: private files live in PRIVATE_MEDIA_ROOT, outside MEDIA_ROOT.
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Wagtail serves every other path: keep last.
urlpatterns += [path("", include(wagtail_urls))]
