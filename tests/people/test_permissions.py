"""The permission matrix: anonymous and each role × every URL.

Outcomes: 200 (served), LOGIN (redirected to /accounts/login/), ADMIN_LOGIN
(redirected to Wagtail's login, which is how Wagtail refuses a user without
admin access), DENIED (inside the admin: Wagtail redirects a user who lacks the
permission to the admin home with an error message), 403 (refused). A new URL is
one row in MATRIX."""

import pytest
from django.contrib.auth import get_user_model

from tests import factories
from tests.helpers import assert_denied

LOGIN = "login"
ADMIN_LOGIN = "admin-login"
DENIED = "denied"

USERS = ["anonymous", "staff", "trainer", "hr", "supervisor", "vendor", "judge", "admin"]

# url: outcome for each of USERS, in that order.
# fmt: off
MATRIX = {
    #                              anon         staff        trainer hr   superv. vendor       judge        admin
    "/":                           [200,         200,         200,    200, 200,    200,         200,         200],
    "/me/":                        [LOGIN,       200,         200,    200, 200,    200,         200,         200],
    "/me/vendor/":                 [LOGIN,       403,         403,    403, 403,    200,         403,         403],
    "/admin/":                     [ADMIN_LOGIN, ADMIN_LOGIN, 200,    200, 200,    ADMIN_LOGIN, ADMIN_LOGIN, 200],
    "/accounts/password/change/":  [LOGIN,       200,         200,    200, 200,    200,         200,         200],
    # Logged-in users are sent on from the login page to their portal.
    "/accounts/login/":            [200,         302,         302,    302, 302,    302,         302,         302],
    "/help/":                      [LOGIN,       200,         200,    200, 200,    200,         200,         200],
    "/help/staff/":                [LOGIN,       200,         200,    200, 200,    200,         200,         200],
    # The organisation directory: HR and admins edit; trainers and supervisors read (masked).
    "/admin/people/staff/":        [ADMIN_LOGIN, ADMIN_LOGIN, 200,    200, 200,    ADMIN_LOGIN, ADMIN_LOGIN, 200],
    "/admin/people/staff/new/":    [ADMIN_LOGIN, ADMIN_LOGIN, DENIED, 200, DENIED, ADMIN_LOGIN, ADMIN_LOGIN, 200],
    "/admin/people/service-centres/": [ADMIN_LOGIN, ADMIN_LOGIN, 200, 200, 200,    ADMIN_LOGIN, ADMIN_LOGIN, 200],
    "/admin/people/windows/":      [ADMIN_LOGIN, ADMIN_LOGIN, 200,    200, 200,    ADMIN_LOGIN, ADMIN_LOGIN, 200],
    "/admin/people/vendor-companies/": [ADMIN_LOGIN, ADMIN_LOGIN, 200, 200, 200,   ADMIN_LOGIN, ADMIN_LOGIN, 200],
    "/admin/people/vendor-managers/": [ADMIN_LOGIN, ADMIN_LOGIN, DENIED, 200, DENIED, ADMIN_LOGIN, ADMIN_LOGIN, 200],
    # Spreadsheet imports: the roster for whoever may add staff (HR, admin); the list for
    # anyone with an import (trainers import offline training).
    "/admin/imports/":             [ADMIN_LOGIN, ADMIN_LOGIN, 200,    200, DENIED, ADMIN_LOGIN, ADMIN_LOGIN, 200],
    "/admin/imports/staff/":       [ADMIN_LOGIN, ADMIN_LOGIN, DENIED, 200, DENIED, ADMIN_LOGIN, ADMIN_LOGIN, 200],
    "/admin/imports/staff/template.xlsx": [ADMIN_LOGIN, ADMIN_LOGIN, DENIED, 200, DENIED, ADMIN_LOGIN, ADMIN_LOGIN, 200],
    "/admin/users/":               [ADMIN_LOGIN, ADMIN_LOGIN, DENIED, DENIED, DENIED, ADMIN_LOGIN, ADMIN_LOGIN, 200],
}
# fmt: on

CASES = [(url, user, outcome) for url, outcomes in MATRIX.items() for user, outcome in zip(USERS, outcomes, strict=False)]


def test_matrix_rows_are_complete():
    assert all(len(outcomes) == len(USERS) for outcomes in MATRIX.values())


@pytest.mark.django_db
@pytest.mark.parametrize("url, user_key, expected", CASES, ids=[f"{u}-{k}" for u, k, _ in CASES])
def test_permission_matrix(client_for, role_users, home_page, url, user_key, expected):
    user = None if user_key == "anonymous" else role_users[user_key]
    response = client_for(user).get(url)
    if expected in (LOGIN, ADMIN_LOGIN):
        assert_denied(response, login_redirect=True)
    elif expected == DENIED:
        assert_denied(response)
    else:
        assert response.status_code == expected, response.content[:500]


@pytest.mark.django_db
@pytest.mark.parametrize("user_key", ["trainer", "hr", "supervisor", "admin"])
def test_admin_roles_have_admin_access(role_users, user_key):
    assert role_users[user_key].has_perm("wagtailadmin.access_admin")


@pytest.mark.django_db
@pytest.mark.parametrize("user_key", ["staff", "vendor", "judge"])
def test_other_roles_have_no_admin_access(role_users, user_key):
    assert not role_users[user_key].has_perm("wagtailadmin.access_admin")


@pytest.mark.django_db
def test_all_role_groups_exist_from_the_migration():
    from django.contrib.auth.models import Group

    from people import roles

    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ALL_ROLES)


@pytest.mark.django_db
def test_vendor_role_without_vendor_manager_row_is_refused(client_for):
    user = factories.make_user_with_role("用工单位", "vendor-without-company")
    assert client_for(user).get("/me/vendor/").status_code == 403


@pytest.mark.django_db
def test_vendor_manager_row_without_vendor_role_is_refused(client_for, vendor):
    user = factories.make_user(username="not-a-vendor")
    from people.models import VendorManager

    VendorManager.objects.create(user=user, vendor=vendor)
    assert client_for(user).get("/me/vendor/").status_code == 403


@pytest.mark.django_db
def test_vendor_manager_sees_only_their_own_staff(client_for, vendor_manager, staff_member, other_staff):
    content = client_for(vendor_manager).get("/me/vendor/").content.decode()
    assert staff_member.staff_no in content
    assert staff_member.name in content
    assert other_staff.staff_no not in content
    assert other_staff.name not in content


@pytest.mark.django_db
def test_vendor_manager_search_stays_inside_their_company(client_for, vendor_manager, other_staff):
    response = client_for(vendor_manager).get("/me/vendor/", {"q": other_staff.staff_no})
    assert response.status_code == 200
    assert other_staff.name not in response.content.decode()


@pytest.mark.django_db
def test_vendor_manager_sees_masked_phones(client_for, vendor_manager, staff_member):
    content = client_for(vendor_manager).get("/me/vendor/").content.decode()
    assert staff_member.phone not in content
    assert "183****1008" in content


@pytest.mark.django_db
def test_staff_sees_only_their_own_profile_masked(client_for, staff_member, other_staff):
    response = client_for(staff_member.user).get("/me/")
    assert response.status_code == 200
    content = response.content.decode()
    assert staff_member.name in content
    assert staff_member.staff_no in content
    assert "183****1008" in content
    assert "330***********123X" in content
    # Full personal data never reaches the page.
    assert staff_member.phone not in content
    assert staff_member.id_number not in content
    # Nobody else's data either.
    for value in (other_staff.name, other_staff.staff_no, other_staff.phone):
        assert value not in content


@pytest.mark.django_db
def test_user_without_profile_gets_the_account_page(client_for):
    user = factories.make_user_with_role("评委", "judge-only")
    response = client_for(user).get("/me/")
    assert response.status_code == 200
    assert "judge-only" in response.content.decode()


@pytest.mark.django_db
def test_inactive_user_cannot_use_the_portal(client_for, staff_member):
    get_user_model().objects.filter(pk=staff_member.user.pk).update(is_active=False)
    response = client_for(None).post(
        "/accounts/login/", {"username": staff_member.staff_no, "password": factories.PASSWORD}
    )
    assert response.status_code == 200  # the form again, not a redirect into the portal
    assert not response.wsgi_request.user.is_authenticated
