"""Organisers (竞赛组织) may add, edit and publish competition pages under the competitions index:
given when the index is made (by the first competition import or the demo data) and again after
every migrate; fetching the index later asks nothing about permissions."""

import pytest
from django.core.management.sql import emit_post_migrate_signal
from django.urls import reverse
from wagtail.models import GroupPagePermission

from competitions.models import CompetitionIndexPage
from competitions.services import competition_import_file, competition_index_page
from home.demo import load_initial_data
from people import roles
from tests import factories

pytestmark = pytest.mark.django_db

PAGE_PERMISSIONS = {"add_page", "change_page", "publish_page"}


def _granted(index, role):
    return set(GroupPagePermission.objects.filter(page=index, group__name=role)
               .values_list("permission__codename", flat=True))


def test_the_first_import_gives_organisers_the_competition_pages(client, home_page, roster, sample_bytes):
    assert not CompetitionIndexPage.objects.exists()
    assert competition_import_file(sample_bytes("competition_2026.xlsx"), "c.xlsx", dry_run=False).ok
    index = CompetitionIndexPage.objects.get()
    assert _granted(index, roles.TRAINER) == PAGE_PERMISSIONS
    assert _granted(index, roles.STAFF) == set()
    client.force_login(factories.make_user_with_role(roles.TRAINER))
    add = reverse("wagtailadmin_pages:add", args=["competitions", "competitionpage", index.pk])
    assert client.get(add).status_code == 200


def test_demo_data_on_a_fresh_database_gives_organisers_the_competition_pages(home_page):
    load_initial_data()
    assert _granted(CompetitionIndexPage.objects.get(), roles.TRAINER) == PAGE_PERMISSIONS


def test_the_index_is_fetched_without_touching_permissions(home_page, django_assert_num_queries):
    index = competition_index_page()
    with django_assert_num_queries(1):
        assert competition_index_page() == index


def test_a_migrate_gives_back_permissions_the_index_lost(home_page):
    index = competition_index_page()
    GroupPagePermission.objects.filter(page=index).delete()
    emit_post_migrate_signal(0, False, "default")
    assert _granted(index, roles.TRAINER) == PAGE_PERMISSIONS
