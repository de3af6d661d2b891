"""Shared fixtures. Builders live in tests/factories.py; fixtures here combine them."""

import pytest

from people import roles
from tests import factories

# The role users of the permission matrix, by a short key (used in test ids).
ROLE_KEYS = {
    "staff": roles.STAFF,
    "trainer": roles.TRAINER,
    "hr": roles.HR,
    "supervisor": roles.SUPERVISOR,
    "vendor": roles.VENDOR,
    "judge": roles.JUDGE,
    "admin": roles.ADMIN,
}


@pytest.fixture
def password():
    return factories.PASSWORD


@pytest.fixture
def centre(db):
    return factories.make_centre("市民服务中心")


@pytest.fixture
def vendor(db):
    return factories.make_vendor("安信人力资源服务有限公司")


@pytest.fixture
def other_vendor(db):
    return factories.make_vendor("恒达劳务派遣有限公司")


@pytest.fixture
def window(db, centre):
    return factories.make_window("A01", centre=centre, name="综合受理窗口")


@pytest.fixture
def staff_member(db, centre, window, vendor):
    """A window staff member (窗口人员) employed by `vendor`, username = 工号."""
    return factories.make_staff(
        "S10001",
        name="张晓梅",
        centre=centre,
        window=window,
        vendor=vendor,
        phone="18312341008",
        id_number="33010219900101123X",
    )


@pytest.fixture
def other_staff(db, centre, other_vendor):
    """Someone else: another vendor's staff member, never visible to `staff_member`."""
    return factories.make_staff(
        "S20002",
        name="李建国",
        centre=centre,
        vendor=other_vendor,
        phone="13987655432",
        id_number="330102198505057777",
    )


@pytest.fixture
def vendor_manager(db, vendor):
    return factories.make_vendor_manager(vendor, "vendor-manager")


@pytest.fixture
def role_users(db, staff_member, vendor_manager):
    """One user per role, keyed like ROLE_KEYS; `staff` has a StaffProfile and
    `vendor` a VendorManager row."""
    users = {"staff": staff_member.user, "vendor": vendor_manager}
    for key, role in ROLE_KEYS.items():
        if key not in users:
            users[key] = factories.make_user_with_role(role, f"{key}-user")
    return users


@pytest.fixture
def home_page(db):
    return factories.make_home_page()


@pytest.fixture
def client_for(client):
    """`client_for(user)` → the test client logged in as `user` (None: anonymous).

    force_login, because django-axes' backend needs the request that Client.login
    does not pass; login through the form is tested in test_accounts."""

    def _client_for(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return _client_for
