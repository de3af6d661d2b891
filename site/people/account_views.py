"""Login, password change and first-login activation, on Django's own views."""

from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

from .forms import StyledAuthenticationForm


class LoginView(auth_views.LoginView):
    form_class = StyledAuthenticationForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    success_url = reverse_lazy("password_change_done")


class ActivateAccountView(auth_views.PasswordResetConfirmView):
    """A new staff member sets their first password through a one-time link HR hands over.

    The token is Django's password-reset token: it expires (PASSWORD_RESET_TIMEOUT) and
    stops working as soon as a password is set.
    """

    template_name = "registration/activate.html"
    success_url = reverse_lazy("account_activate_done")
    post_reset_login = False
