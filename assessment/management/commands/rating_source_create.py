from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ...models import RatingSource
from ...services import rating_source_create


class Command(BaseCommand):
    help = "Register a rating feed or device and print its API token once (only its hash is stored)."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--direction", choices=["gb", "provincial"], default="gb")
        parser.add_argument("--kind", choices=[RatingSource.Kind.FEED, RatingSource.Kind.DEVICE], default="feed")
        parser.add_argument("--code", help=_("Short code for import_ratings --source (made from the name if omitted)"))

    def handle(self, *args, **options):
        if RatingSource.objects.filter(name=options["name"]).exists():
            raise CommandError(_("A rating source named %(name)s exists already.") % {"name": options["name"]})
        try:
            source, token = rating_source_create(
                name=options["name"], direction=options["direction"], kind=options["kind"], code=options["code"]
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(_("Rating source %(name)s (code %(code)s, direction %(direction)s).") % {
            "name": source.name, "code": source.code, "direction": source.direction,
        })
        self.stdout.write(_("API token (shown once, keep it safe):"))
        self.stdout.write(token)
