"""Plain builders for test data. Every argument has a sensible default; counters keep
unique fields unique within a test run. Builders write through the ORM and call
`full_clean()` where the model has invariants, so a builder never makes data the
application could not."""

import itertools
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from people import roles
from people.models import Post, ServiceCentre, StaffProfile, VendorCompany, VendorManager, Window

PASSWORD = "Frontline-test-2026"

_seq = itertools.count(1)


def _next():
    return next(_seq)


def ensure_roles():
    """Make sure the role groups exist with their permissions (post_migrate makes them after
    migrate and after every flush; tests that delete them call this)."""
    roles.sync_roles()


def role_group(name):
    try:
        return Group.objects.get(name=name)
    except Group.DoesNotExist:
        ensure_roles()
        return Group.objects.get(name=name)


def make_user(username=None, *, password=PASSWORD, roles_=(), **extra):
    User = get_user_model()
    username = username or f"user{_next():04d}"
    user = User.objects.create_user(username=username, password=password, **extra)
    for role in roles_:
        user.groups.add(role_group(role))
    return user


def make_user_with_role(role_name, username=None, *, password=PASSWORD, **extra):
    """A user in one role group (the groups come from the roles migration)."""
    return make_user(username, password=password, roles_=[role_name], **extra)


def make_centre(name=None, **extra):
    n = _next()
    return ServiceCentre.objects.create(name=name or f"测试政务服务中心{n}", code=extra.pop("code", f"c{n}"), **extra)


def make_post(name=None, **extra):
    return Post.objects.create(name=name or f"综合受理{_next()}", **extra)


def make_window(code=None, *, centre=None, name=None, posts=(), **extra):
    n = _next()
    window = Window.objects.create(
        code=code or f"W{n:03d}",
        name=name or f"综合窗口{n}",
        centre=centre or make_centre(),
        **extra,
    )
    if posts:
        window.posts.set(posts)
    return window


def make_vendor(name=None, **extra):
    return VendorCompany.objects.create(name=name or f"测试人力资源服务有限公司{_next()}", **extra)


def _phone(n):
    return f"183{n:08d}"[:11]


def _id_number(n):
    return f"330102199001{n:06d}"[:17] + "X"


def make_staff(
    staff_no=None,
    *,
    name=None,
    centre=None,
    window=None,
    vendor=None,
    post=None,
    phone=None,
    id_number=None,
    password=PASSWORD,
    user=None,
    pay_base=Decimal("2000.00"),
    hire_date=date(2024, 3, 1),
    active=True,
    role=roles.STAFF,
):
    """A window staff member with a user account (username = 工号) in the 窗口人员 group."""
    n = _next()
    staff_no = staff_no or f"T{n:05d}"
    if window is not None and centre is None:
        centre = window.centre
    centre = centre or make_centre()
    if user is None:
        user = make_user(staff_no, password=password, roles_=[role] if role else [])
    profile = StaffProfile(
        user=user,
        staff_no=staff_no,
        name=name or f"测试员{n}",
        phone=_phone(n) if phone is None else phone,
        id_number=_id_number(n) if id_number is None else id_number,
        centre=centre,
        window=window,
        vendor=vendor,
        post=post,
        hire_date=hire_date,
        pay_base=pay_base,
        active=active,
    )
    profile.full_clean()
    profile.save()
    return profile


def make_vendor_manager(vendor=None, username=None, *, password=PASSWORD):
    """A user in 用工单位 tied to `vendor` (a new vendor when omitted)."""
    vendor = vendor or make_vendor()
    user = make_user_with_role(roles.VENDOR, username, password=password)
    VendorManager.objects.create(user=user, vendor=vendor)
    return user


def make_home_page(title="窗口服务能力提升平台", hero_text=None, *, hostname="localhost"):
    """A HomePage as the default site's root, built with Wagtail's tree API.

    Works on a freshly migrated database (replaces Wagtail's welcome page) and on one a
    transactional test has flushed (recreates the locale and the tree root)."""
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Locale, Page, Site

    from home.models import HomePage

    existing = HomePage.objects.first()
    if existing is not None:
        return existing
    Locale.objects.get_or_create(language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE))
    root = Page.get_first_root_node()
    if root is None:
        root = Page.add_root(instance=Page(title="Root", slug="root"))
    home = root.add_child(
        instance=HomePage(
            title=title,
            slug="frontline-home",
            hero_text=hero_text
            or "面向政务服务窗口人员的培训、考核与评价平台：学政策、练服务、看评价、促提升。",
        )
    )
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": hostname, "port": 80, "root_page": home, "site_name": title},
    )
    # Wagtail's "Welcome to your new Wagtail site!" page, if the migration made one.
    for page in root.get_children().exclude(pk=home.pk):
        if page.specific_class is Page:
            page.delete()
    return home
