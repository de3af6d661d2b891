"""Writes of assessment schemes: the default scheme, and a scheme's numbers saved as a new
version (earlier versions stay as they were, for the months computed with them)."""

from django.db import transaction
from django.utils.translation import gettext as _

from .. import scoring
from ..models import AssessmentScheme

DEFAULT_SCHEME_NAME = "默认考核方案"


def scheme_default_version(*, user=None):
    """The default scheme's newest version; made from DESIGN's numbers when nothing is configured."""
    scheme = AssessmentScheme.objects.filter(centre__isnull=True).first()
    if scheme is None:
        scheme = AssessmentScheme.objects.create(name=DEFAULT_SCHEME_NAME)
    return scheme.current_version or scheme.add_version(
        rules=scoring.DEFAULT_RULES, user=user, note=_("DESIGN's default numbers")
    )


def scheme_save_version(*, scheme, rules, user=None, note=""):
    """Editing a scheme: its numbers become a new version; earlier versions stay as they were."""
    with transaction.atomic():
        # Two editors at once still get distinct version numbers.
        AssessmentScheme.objects.select_for_update().filter(pk=scheme.pk).order_by("pk").first()
        return scheme.add_version(rules=rules, user=user, note=note)

