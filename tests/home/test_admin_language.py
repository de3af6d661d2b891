"""The admin and the portal in Chinese, with no links off the intranet: Wagtail strings its
own zh_Hans catalogue lacks, 是/否 instead of True/False, people by name, one date format,
no guide.wagtail.org, and none of Wagtail's default English groups."""

import datetime
import importlib
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.template import Context, Template
from django.utils import formats, timezone, translation
from wagtail.models import Workflow

from assessment.models import AssessmentScheme, FindingType
from people import roles
from people.models import CentreMove
from tests import factories
from tests.helpers import visible_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(db):
    return factories.make_user_with_role(roles.ADMIN, "admin-user", first_name="系统管理员")


@pytest.fixture
def hr_user(db):
    return factories.make_user_with_role(roles.HR, "hr-user", first_name="刘洋")


def _cells(html):
    """The text of every table cell, stripped."""
    return [
        re.sub(r"(?s)<[^>]*>", " ", cell).strip() for cell in re.findall(r"(?s)<td\b[^>]*>(.*?)</td>", html)
    ]


def test_boolean_columns_read_yes_and_no(client_for, admin_user):
    FindingType.objects.create(name="测试否决项", points=Decimal(2), veto=True, active=False)

    html = client_for(admin_user).get("/admin/records/finding-types/").content.decode()

    cells = _cells(html)
    assert "True" not in cells and "False" not in cells
    row = next(i for i, cell in enumerate(cells) if "测试否决项" in cell)
    assert cells[row + 2 : row + 4] == ["是", "否"]  # veto, active


def test_group_permissions_are_labelled_in_chinese(client_for, admin_user):
    text = visible_text(client_for(admin_user).get("/admin/groups/new/").content.decode())

    assert "Can view" not in text
    assert "可查看" in text
    assert "Can access Wagtail admin" not in text
    assert "可进入管理后台" in text


def test_an_empty_listing_says_so_in_chinese(client_for, hr_user):
    from people.models import Post

    Post.objects.all().delete()
    text = visible_text(client_for(hr_user).get("/admin/people/posts/").content.decode())

    assert "There are no" not in text and "add one" not in text
    assert re.search(r"暂无.+新建一个", text)


def test_scheme_listing_labels_the_current_version(client_for, admin_user):
    if not AssessmentScheme.objects.exists():
        AssessmentScheme.objects.create(name="默认方案")

    text = visible_text(client_for(admin_user).get("/admin/evaluations/schemes/").content.decode())

    assert "Current version" not in text
    assert "当前版本" in text


def test_unsaved_changes_warning_is_in_chinese(client_for, admin_user):
    html = client_for(admin_user).get("/admin/account/").content.decode()

    assert "Save your changes before leaving" not in html
    assert "离开前请先保存修改" in html


def test_dashboard_counts_search_and_help_stay_chinese_and_on_the_intranet(client_for, home_page):
    superuser = factories.make_user("root", first_name="系统管理员", is_superuser=True, is_staff=True)
    html = client_for(superuser).get("/admin/").content.decode()
    text = visible_text(html)

    assert not re.search(r"\d+\s+(Pages?|Images?|Documents?)\b", text)
    assert re.search(r"\d+ 个页面", text)
    assert "Search all pages" not in html
    assert "搜索全部页面" in html
    # Neither the help menu (sidebar data) nor the account summary links to Wagtail's guide.
    assert "guide.wagtail.org" not in html
    assert "editor guide" not in text.lower()
    assert "使用手册" in html  # our own user guides stay
    assert '"/help/"' in html or 'href="/help/"' in html


def test_admin_login_labels_the_password_in_chinese(client):
    text = visible_text(client.get("/admin/login/").content.decode())

    assert "Password" not in text
    assert "密码" in text


def test_language_menus_name_each_language_in_itself(client_for, admin_user):
    portal = client_for(None).get("/accounts/login/").content.decode()
    assert re.search(r'<option value="en"[^>]*>English</option>', portal)
    assert re.search(r'<option value="zh-hans"[^>]*>简体中文</option>', portal)
    assert "英语" not in portal

    account = client_for(admin_user).get("/admin/account/").content.decode()
    assert "英语" not in account
    assert ">English</option>" in account
    # Beijing time for everyone: no choice among 400 foreign time zones.
    assert "America/New_York" not in account


def test_wagtail_default_groups_and_workflow_are_gone_after_migrate():
    names = set(Group.objects.values_list("name", flat=True))

    assert not names & {"Editors", "Moderators"}
    assert set(roles.ALL_ROLES) <= names
    assert not Workflow.objects.filter(name="Moderators approval").exists()


def test_a_default_group_someone_belongs_to_is_kept():
    migration = importlib.import_module("home.migrations.0006_remove_wagtail_default_groups")
    editors = Group.objects.create(name="Editors")
    factories.make_user("editor").groups.add(editors)
    Group.objects.create(name="Moderators")

    migration.remove_wagtail_defaults(apps, None)

    assert list(Group.objects.filter(name__in=["Editors", "Moderators"]).values_list("name", flat=True)) == [
        "Editors"
    ]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_dates_have_one_format_in_beijing_time(language):
    moment = datetime.datetime(2026, 12, 5, 1, 30, tzinfo=datetime.UTC)  # 09:30 in Beijing
    with translation.override(language), timezone.override("Asia/Shanghai"):
        assert formats.date_format(datetime.date(2026, 12, 5)) == "2026-12-05"
        assert formats.date_format(datetime.date(2026, 12, 5), "SHORT_DATE_FORMAT") == "2026-12-05"
        rendered = Template(
            "{{ moment }}|{{ moment|date:'DATETIME_FORMAT' }}|{{ moment|date:'SHORT_DATETIME_FORMAT' }}"
        )
        assert (
            rendered.render(Context({"moment": moment}))
            == "2026-12-05 09:30|2026-12-05 09:30|2026-12-05 09:30"
        )


def test_transfers_show_who_recorded_them_by_name_and_when_in_one_format(
    client_for, hr_user, staff_member, centre
):
    other = factories.make_centre("城东服务中心")
    move = CentreMove.objects.create(
        staff=staff_member,
        from_centre=centre,
        to_centre=other,
        moved_on=datetime.date(2026, 11, 2),
        recorded_by=hr_user,
    )
    CentreMove.objects.filter(pk=move.pk).update(
        recorded_at=datetime.datetime(2026, 11, 2, 1, 5, tzinfo=datetime.UTC)
    )

    cells = _cells(client_for(hr_user).get("/admin/people/centre-moves/").content.decode())

    assert "刘洋" in cells
    assert "hr-user" not in " ".join(cells)
    assert "2026-11-02 09:05" in cells
    assert "2026-11-02" in cells


def test_history_names_the_person_not_the_username(client_for, hr_user, staff_member):
    from wagtail.log_actions import log

    log(staff_member, "wagtail.edit", user=hr_user)

    html = client_for(hr_user).get(f"/admin/people/staff/history/{staff_member.pk}/").content.decode()
    text = visible_text(html)

    assert "刘洋" in text
    assert "hr-user" not in text
