"""Sections of the staff portal (/me/). Each app registers its own with the
`register_portal_section` Wagtail hook, so the portal never imports the apps it shows."""

from dataclasses import dataclass

from wagtail import hooks

PORTAL_SECTION_HOOK = "register_portal_section"


@dataclass(frozen=True)
class PortalSection:
    key: str
    title: str
    description: str
    icon: str = "•"  # one character (a CJK glyph), drawn in a badge
    url_name: str | None = None  # None while the capability is not built yet
    order: int = 100
    # False: shown also to accounts without a staff profile (e.g. outside judges).
    needs_profile: bool = True

    @property
    def available(self):
        return self.url_name is not None


def portal_sections(request):
    sections = []
    for hook in hooks.get_hooks(PORTAL_SECTION_HOOK):
        section = hook(request)
        if section is not None:
            sections.append(section)
    return sorted(sections, key=lambda s: (s.order, s.key))
