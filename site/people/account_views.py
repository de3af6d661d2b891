"""Login, password change, first-login activation and HR's password reset, on Django's own views."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.tokens import PasswordResetTokenGenerator
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
    stops working as soon as a password is set. An account that already has a password is
    never activated again: its link is refused (HR issues a password reset instead, which
    ends the account's sessions).
    """

    template_name = "registration/activate.html"
    success_url = reverse_lazy("account_activate_done")
    post_reset_login = False
    already_activated = False

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        if user is not None and user.has_usable_password():
            self.already_activated = True
            return None
        return user

    def get_context_data(self, **kwargs):
        return super().get_context_data(already_activated=self.already_activated, **kwargs)


class ResetTokenGenerator(PasswordResetTokenGenerator):
    """Tokens of HR's password-reset links: like activation tokens (they end when the password
    changes or after PASSWORD_RESET_TIMEOUT), but under their own salt, so an activation link
    is no reset link and the other way round."""

    key_salt = "people.account_views.ResetTokenGenerator"


reset_token_generator = ResetTokenGenerator()


class ResetPasswordView(auth_views.PasswordResetConfirmView):
    """Someone who forgot their password sets a new one through a one-time link from HR.
    Setting it ends every session of the account (and its login lockout)."""

    template_name = "registration/password_reset.html"
    success_url = reverse_lazy("account_reset_done")
    post_reset_login = False
    token_generator = reset_token_generator

    def form_valid(self, form):
        from axes.utils import reset as axes_reset

        from .services import user_sessions_end

        response = super().form_valid(form)
        user_sessions_end(user=form.user)
        axes_reset(username=form.user.get_username())
        return response
