from functools import partial
from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from exams.imports import question_import_spec
from exams.services import question_import
from home.import_command import SpreadsheetImportCommand
from home.imports import run_import


class Command(SpreadsheetImportCommand):
    help = "Import questions (题型, 题干, 选项A…F, 答案, 解析, 分类, 难度, 分值) into a bank: all rows or none."
    import_key = "questions"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--bank", required=True, help=_("The question bank (created if it does not exist)"))

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("File not found: %(path)s") % {"path": path})
        spec = question_import_spec()
        spec = type(spec)(**{**spec.__dict__, "run": partial(question_import, bank_name=options["bank"])})
        result = run_import(spec, path.read_bytes(), path.name, dry_run=options["dry_run"])
        self.report(result, dry_run=options["dry_run"])

    def report(self, result, *, dry_run):
        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(_("%(n)d errors: nothing was imported.") % {"n": len(result.errors)}, returncode=1)
        for label, names in result.side_effects.items():
            self.stdout.write(_("New %(label)s: %(names)s") % {"label": label, "names": "、".join(names)})
        summary = _("%(total)d rows: %(created)d new, %(updated)d updated, %(unchanged)d unchanged.") % result.summary()
        if dry_run:
            summary = _("Dry run, nothing written. ") + summary
        self.stdout.write(self.style.SUCCESS(summary))
