"""For cron, e.g. every 5 minutes (docs/exams.md):

    */5 * * * *  cd /srv/frontline && .venv/bin/python manage.py exams_housekeeping

Closes and grades attempts whose time (plus the grace) ran out, then adds people who joined
an open exam's audience since it was set up. Runs the work itself (no task worker needed);
running it again does nothing new. The pages still close an expired attempt the moment
someone opens it; this catches the attempts nobody opens again.
"""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from exams import services


class Command(BaseCommand):
    help = "Close and grade expired exam attempts; add new members of open exams' audiences."

    def handle(self, *args, **options):
        closed = services.close_expired_attempts()
        self.stdout.write(_("Expired attempts closed and graded: %(n)d") % {"n": closed})
        added = services.exams_sync_open_candidates()
        for exam, count in added.items():
            self.stdout.write(_("%(exam)s: %(n)d candidates added") % {"exam": exam.title, "n": count})
        self.stdout.write(_("Candidates added to open exams: %(n)d") % {"n": sum(added.values())})
