"""`manage.py load_initial_data`: the demo site tree, organisation and accounts."""

import io
import re
import time

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.http import HttpRequest
from wagtail.models import Page, Site

from home.models import HomePage, SiteSettings
from people import demo as people_demo
from people import roles
from people.models import Post, ServiceCentre, StaffProfile, VendorCompany, VendorManager, Window

pytestmark = pytest.mark.django_db

PASSWORD = "Frontline-demo-2026"
DEMO_USERNAMES = ["admin", "trainer", "hr", "supervisor", "vendor", "judge", "staff"]


def load():
    out = io.StringIO()
    call_command("load_initial_data", stdout=out)
    return out.getvalue()


def counts():
    User = get_user_model()
    return {
        "pages": Page.objects.count(),
        "home pages": HomePage.objects.count(),
        "sites": Site.objects.count(),
        "site settings": SiteSettings.objects.count(),
        "centres": ServiceCentre.objects.count(),
        "posts": Post.objects.count(),
        "windows": Window.objects.count(),
        "vendors": VendorCompany.objects.count(),
        "staff": StaffProfile.objects.count(),
        "users": User.objects.count(),
        "memberships": User.groups.through.objects.count(),
        "vendor managers": VendorManager.objects.count(),
        "revisions": HomePage.objects.get().revisions.count(),
    }


@pytest.fixture
def loaded():
    return load()


def test_refuses_without_demo_data_allowed(settings):
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError, match="DEMO_DATA_ALLOWED"):
        call_command("load_initial_data", stdout=io.StringIO())
    assert not StaffProfile.objects.exists()
    assert not get_user_model().objects.filter(username="admin").exists()


def test_refuses_when_setting_is_missing(settings):
    del settings.DEMO_DATA_ALLOWED
    with pytest.raises(CommandError):
        call_command("load_initial_data", stdout=io.StringIO())


def test_creates_the_organisation(loaded):
    assert set(ServiceCentre.objects.values_list("code", flat=True)) == {"cd", "cx"}
    assert Window.objects.count() == 20
    assert set(Window.objects.filter(centre__code="cd").values_list("code", flat=True)) == {
        f"01-{n:02d}" for n in range(1, 11)
    }
    assert set(Window.objects.filter(centre__code="cx").values_list("code", flat=True)) == {
        f"02-{n:02d}" for n in range(1, 11)
    }
    for window in Window.objects.prefetch_related("posts"):
        assert 1 <= len(window.posts.all()) <= 2
    assert VendorCompany.objects.count() == 3
    assert 55 <= StaffProfile.objects.count() <= 65
    # Most staff are outsourced, some are the centre's own.
    own = StaffProfile.objects.filter(vendor=None).count()
    assert 0 < own < StaffProfile.objects.count() / 3


def test_staff_are_consistent_and_well_formed(loaded):
    User = get_user_model()
    staff_group_members = set(User.objects.filter(groups__name=roles.STAFF).values_list("pk", flat=True))
    for profile in StaffProfile.objects.select_related("user", "window", "post"):
        assert re.fullmatch(r"1[3-9]\d{9}", profile.phone)
        assert people_demo.id_number_is_valid(profile.id_number), profile.id_number
        assert profile.window.centre_id == profile.centre_id
        assert profile.window.posts.filter(pk=profile.post_id).exists()
        assert profile.pay_base.as_tuple().exponent == -2
        assert 1500 <= profile.pay_base <= 2500
        assert profile.hire_date is not None
        assert profile.user.first_name == profile.name
        assert profile.user.pk in staff_group_members
        if profile.staff_no != "CD0001":
            assert profile.user.username == profile.staff_no
        profile.full_clean()
    assert StaffProfile.objects.filter(staff_no__startswith="CD10").exists()
    assert StaffProfile.objects.filter(staff_no__startswith="CX20").exists()


def test_id_check_digit():
    # The GB 11643 example number.
    assert people_demo.id_check_char("11010519491231002") == "X"
    assert people_demo.id_number_is_valid("11010519491231002X")
    assert not people_demo.id_number_is_valid("110105194912310021")


def test_staff_generation_is_deterministic():
    assert people_demo.staff_specs() == people_demo.staff_specs()


def test_site_tree(loaded):
    site = Site.objects.get(is_default_site=True)
    home = HomePage.objects.get()
    assert site.root_page_id == home.pk
    assert (site.hostname, site.port, site.site_name) == ("localhost", 80, "窗口服务能力提升平台")
    assert home.title == "窗口服务能力提升平台"
    assert home.live and home.live_revision_id is not None
    # Wagtail's welcome page is gone; the home page is the only page under the root.
    assert Page.objects.filter(depth=2).count() == 1
    assert not Page.objects.filter(title__startswith="Welcome to your new Wagtail site").exists()
    block_types = [block.block_type for block in home.body]
    assert {"heading", "paragraph", "features", "callout"} <= set(block_types)
    settings = SiteSettings.for_site(site)
    assert settings.organisation == "某县政务服务管理局"
    assert settings.service_phone and settings.footer_text


def test_home_page_is_served(loaded, client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "窗口服务能力提升平台" in html
    assert "服务能力提升闭环" in html
    assert "政策更新" in html
    assert "某县政务服务管理局" in html


def test_second_run_changes_nothing(loaded):
    before = counts()
    fields = ("staff_no", "name", "phone", "id_number", "updated_at")
    staff_before = list(StaffProfile.objects.values_list(*fields))
    started = time.monotonic()
    output = load()
    assert time.monotonic() - started < 5
    assert counts() == before
    assert list(StaffProfile.objects.values_list(*fields)) == staff_before
    assert HomePage.objects.count() == 1
    assert "Frontline-demo-2026" in output


def test_second_run_restores_edited_demo_records(loaded):
    StaffProfile.objects.filter(staff_no="CD1001").update(name="改名", pay_base=0)
    Window.objects.get(code="01-02").posts.clear()
    load()
    profile = StaffProfile.objects.get(staff_no="CD1001")
    assert profile.name != "改名" and profile.pay_base >= 1500
    assert Window.objects.get(code="01-02").posts.exists()


def test_editor_changes_to_home_page_are_kept(loaded, django_user_model):
    editor = django_user_model.objects.get(username="admin")
    home = HomePage.objects.get()
    home.hero_text = "编辑修改过的介绍"
    home.save_revision(user=editor).publish(user=editor)
    load()
    assert HomePage.objects.get().hero_text == "编辑修改过的介绍"


def test_replaces_wagtail_welcome_page(db):
    # Fresh database: Wagtail's migration created the welcome page and pointed the site at it.
    assert Page.objects.filter(depth=2, slug="home").exists()
    load()
    assert HomePage.objects.get().slug == "home"
    assert Site.objects.filter(is_default_site=True).count() == 1


def test_demo_accounts_log_in(loaded, client):
    for username in DEMO_USERNAMES:
        # django-axes' backend needs a request.
        assert client.login(request=HttpRequest(), username=username, password=PASSWORD), username
        client.logout()


def test_staff_logs_in_through_the_login_page(loaded, client):
    response = client.post("/accounts/login/", {"username": "staff", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/me/").status_code == 200


def test_demo_accounts_roles(loaded):
    User = get_user_model()
    expected = {
        "admin": roles.ADMIN,
        "trainer": roles.TRAINER,
        "hr": roles.HR,
        "supervisor": roles.SUPERVISOR,
        "vendor": roles.VENDOR,
        "judge": roles.JUDGE,
        "staff": roles.STAFF,
    }
    for username, role in expected.items():
        user = User.objects.get(username=username)
        assert user.groups.filter(name=role).exists(), username
        assert user.first_name
        assert user.is_staff == (username == "admin")
        assert user.is_superuser == (username == "admin")


def test_staff_account_has_a_profile(loaded):
    profile = StaffProfile.objects.select_related("centre", "window").get(user__username="staff")
    assert profile.centre.code == "cd"
    assert profile.window.centre_id == profile.centre_id
    assert people_demo.id_number_is_valid(profile.id_number)


def test_vendor_manager_and_supervisor(loaded):
    manager = VendorManager.objects.select_related("vendor").get(user__username="vendor")
    assert manager.vendor.name == "安信人力资源有限公司"
    assert manager.vendor.staff.exists()
    supervisor = get_user_model().objects.get(username="supervisor")
    assert set(supervisor.supervised_centres.values_list("code", flat=True)) == {"cd", "cx"}


def test_output_lists_accounts_and_counts(loaded):
    for username in DEMO_USERNAMES:
        assert re.search(rf"^{username}\s", loaded, re.MULTILINE)
    assert PASSWORD in loaded


def test_does_not_reset_a_changed_password(loaded, django_user_model):
    user = django_user_model.objects.get(username="hr")
    user.set_password("Another-pass-99")
    user.save()
    load()
    user.refresh_from_db()
    assert user.check_password("Another-pass-99")


def test_sets_demo_password_for_staff_without_one(loaded, django_user_model):
    user = django_user_model.objects.get(username="CD1001")
    user.set_unusable_password()
    user.save()
    load()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
