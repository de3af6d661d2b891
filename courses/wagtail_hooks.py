from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from people.portal import PORTAL_SECTION_HOOK, PortalSection


@hooks.register(PORTAL_SECTION_HOOK)
def learning_portal_section(request):
    # Placeholder until the capability is built: shown, not yet linked.
    return PortalSection(
        key="learning",
        title=_("My learning"),
        description=_("Assigned courses, case scenarios and policy updates"),
        icon="学",
        order=10,
    )
