from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from people.portal import PORTAL_SECTION_HOOK, PortalSection


@hooks.register(PORTAL_SECTION_HOOK)
def records_portal_section(request):
    # Placeholder until the capability is built: shown, not yet linked.
    return PortalSection(
        key="records",
        title=_("My service records"),
        description=_("Ratings, attendance, inspections and commendations"),
        icon="服",
        order=30,
    )


@hooks.register(PORTAL_SECTION_HOOK)
def evaluations_portal_section(request):
    # Placeholder until the capability is built: shown, not yet linked.
    return PortalSection(
        key="evaluations",
        title=_("My evaluations"),
        description=_("Monthly scores, grades and appeals"),
        icon="评",
        order=40,
    )
