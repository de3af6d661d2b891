from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from people.portal import PORTAL_SECTION_HOOK, PortalSection


@hooks.register(PORTAL_SECTION_HOOK)
def competitions_portal_section(request):
    # Placeholder until the capability is built: shown, not yet linked.
    return PortalSection(
        key="competitions",
        title=_("Competitions"),
        description=_("Skills competitions I take part in"),
        icon="赛",
        order=50,
    )
