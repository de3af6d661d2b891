from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ...periods import Period
from ...selectors import describe_blocker
from ...services import evaluations_compute


class Command(BaseCommand):
    help = "(Re)compute the monthly evaluations of every active staff member, idempotently."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help=_("The month, YYYY-MM"))

    def handle(self, *args, **options):
        try:
            period = Period.parse(options["period"])
        except ValueError as exc:
            raise CommandError(_("Give the month as YYYY-MM, e.g. 2026-10.")) from exc
        try:
            result = evaluations_compute(period=period)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        for blocker in result.blockers:
            self.stdout.write(self.style.WARNING(describe_blocker(blocker)))
        self.stdout.write(
            self.style.SUCCESS(
                _("%(month)s: %(count)d evaluations computed (%(created)d new, %(updated)d updated, %(removed)d removed).")
                % {"month": period, "count": result.count, "created": result.created, "updated": result.updated,
                   "removed": result.removed}
            )
        )

