"""Registration of the competitions app's admin screens, rubric snippet and portal section."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.widgets import Button
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from home.hooks import DEMO_LOADER_HOOK
from people.portal import PORTAL_SECTION_HOOK, PortalSection

from .models import CompetitionPage, QuizQuestion
from .roles import ORGANISE
from .viewsets import CompetitionsViewSetGroup, QuizQuestionPermissionPolicy, RubricViewSet

register_snippet(RubricViewSet)
# A quiz round's questions are prepared by organisers (竞赛组织) only.
register_permission_policy(QuizQuestion, QuizQuestionPermissionPolicy())


@hooks.register("register_admin_viewset")
def register_competitions_viewsets():
    return CompetitionsViewSetGroup()


@hooks.register("register_page_header_buttons")
def competition_results_button(page, user, view_name, next_url=None):
    # On a competition's page in the admin: the organiser's results screen.
    if page.specific_class is CompetitionPage and user.has_perm(ORGANISE):
        yield Button(
            _("Results and publication"),
            reverse("competitions_results:results", args=[page.pk]),
            icon_name="pick",
            priority=20,
        )


@hooks.register(PORTAL_SECTION_HOOK)
def competitions_portal_section(request):
    return PortalSection(
        key="competitions",
        title=_("Competitions"),
        description=_("Skills competitions I take part in"),
        icon="赛",
        url_name="competitions:mine",
        order=50,
    )


@hooks.register(PORTAL_SECTION_HOOK)
def judging_portal_section(request):
    # Judges (staff, supervisors or outside judges without a staff profile) and organisers only.
    from .selectors import is_judge, is_organiser

    if not (is_organiser(request.user) or is_judge(request.user)):
        return None
    return PortalSection(
        key="judging",
        title=_("Judging"),
        description=_("Score the entrants of the rounds I judge"),
        icon="判",
        url_name="competitions:judging",
        order=55,
        needs_profile=False,
    )


@hooks.register(DEMO_LOADER_HOOK, order=30)
def load_competitions_demo(tally):
    from .demo import load_competition_content

    load_competition_content(tally)
