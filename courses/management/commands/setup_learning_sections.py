from django.core.management.base import BaseCommand, CommandError
from wagtail.models import Site

from courses.services import learning_sections_ensure


class Command(BaseCommand):
    help = "Create 学习中心 and 政策更新 under the default site's home page and let trainers write there."

    def handle(self, *args, **options):
        site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
        if site is None:
            raise CommandError("No default site: create the home page first.")
        learning, policies = learning_sections_ensure(home=site.root_page)
        self.stdout.write(self.style.SUCCESS(f"{learning.url_path} · {policies.url_path}"))
