"""Registration of the competitions app's admin screens, rubric snippet and portal section."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet

from home.hooks import DEMO_LOADER_HOOK
from people.portal import PORTAL_SECTION_HOOK, PortalSection

from .viewsets import CompetitionsViewSetGroup, RubricViewSet

register_snippet(RubricViewSet)


@hooks.register("register_admin_viewset")
def register_competitions_viewsets():
    return CompetitionsViewSetGroup()


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


@hooks.register(DEMO_LOADER_HOOK, order=30)
def load_competitions_demo(tally):
    from .demo import load_competition_content

    load_competition_content(tally)
