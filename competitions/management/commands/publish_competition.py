from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from competitions.models import CompetitionPage
from competitions.services import AWARD_NAMES, competition_publish


class Command(BaseCommand):
    help = "Freeze a competition's standings, name the awards and hand their bonus to the evaluation of this month."

    def add_arguments(self, parser):
        parser.add_argument("--competition", required=True, help=_("The competition's code"))

    def handle(self, *args, **options):
        competition = CompetitionPage.objects.filter(code__iexact=options["competition"].strip()).first()
        if competition is None:
            raise CommandError(_("No competition with code %(code)s.") % {"code": options["competition"]})
        try:
            snapshot = competition_publish(competition=competition)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        for award in snapshot.awards.select_related("staff").order_by("level", "staff__staff_no"):
            self.stdout.write(f"{AWARD_NAMES[award.level]} {award.staff.staff_no} {award.staff.name} +{award.bonus}")
        self.stdout.write(self.style.SUCCESS(_("Published %(name)s.") % {"name": competition.title}))
