from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from people.portal import PORTAL_SECTION_HOOK, PortalSection


@hooks.register(PORTAL_SECTION_HOOK)
def exams_portal_section(request):
    # Placeholder until the capability is built: shown, not yet linked.
    return PortalSection(
        key="exams",
        title=_("My exams"),
        description=_("Monthly tests and policy quizzes"),
        icon="考",
        order=20,
    )
