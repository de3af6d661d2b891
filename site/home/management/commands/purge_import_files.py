"""For cron, e.g. hourly (README, Production; docs/admin.md):

    15 * * * *  cd /srv/frontline && .venv/bin/python manage.py purge_import_files

Uploads previewed but not confirmed within IMPORT_FILE_RETENTION_HOURS (default 24) are
abandoned; the files of imports that are done, cancelled or abandoned are deleted, and so
are uploads that older versions left in the public media folder. The import records keep
their file name, summary and errors. Running it again deletes nothing more.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from home import services


class Command(BaseCommand):
    help = "Delete the uploaded files of imports that are done or abandoned."

    def add_arguments(self, parser):
        parser.add_argument(
            "--hours",
            type=int,
            default=None,
            help="Abandon previews older than this many hours (default: IMPORT_FILE_RETENTION_HOURS).",
        )

    def handle(self, *args, hours=None, **options):
        older_than = timedelta(hours=hours) if hours is not None else None
        expired, deleted = services.import_files_purge(older_than=older_than)
        self.stdout.write(
            _("Unconfirmed imports abandoned: %(expired)d; files deleted: %(deleted)d")
            % {"expired": expired, "deleted": deleted}
        )
