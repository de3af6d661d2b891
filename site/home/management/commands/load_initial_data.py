"""`python manage.py load_initial_data`: idempotent demo data (see `home.demo`)."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from home import demo


class Command(BaseCommand):
    help = (
        "Load the demo data: site tree, organisation, staff and demo accounts. "
        "Safe to run again; refuses to run unless DEMO_DATA_ALLOWED is set (never in production)."
    )

    def handle(self, *args, **options):
        if not getattr(settings, "DEMO_DATA_ALLOWED", False):
            raise CommandError(
                _(
                    "Demo data is not allowed with these settings (DEMO_DATA_ALLOWED is off, as in "
                    "production): it would create accounts with a published password. Use the dev "
                    "settings for a demo."
                )
            )
        started = time.monotonic()
        with transaction.atomic():
            report = demo.load_initial_data()
        elapsed = time.monotonic() - started

        self.stdout.write(self.style.MIGRATE_HEADING(_("Demo accounts")))
        rows = [
            (
                account.username,
                account.name,
                "、".join(account.roles),
                report.password,
                account.note,
            )
            for account in report.accounts
        ]
        headers = (_("Username"), _("Name"), _("Role"), _("Password"), _("Note"))
        self.stdout.write(demo.format_table(headers, rows))
        self.stdout.write(
            _("Window staff log in with their staff number (e.g. CD1001) and the same password.")
        )

        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(_("Records")))
        headers = (_("Kind"), _("Created"), _("Updated"), _("Unchanged"))
        self.stdout.write(demo.format_table(headers, report.tally.rows()))
        for note in report.tally.notes:
            self.stdout.write(note)
        if report.tally.changed:
            message = _("Demo data loaded in %(seconds).1f s.") % {"seconds": elapsed}
        else:
            message = _("Demo data already up to date (%(seconds).1f s).") % {"seconds": elapsed}
        self.stdout.write(self.style.SUCCESS(message))
