"""Demo data for `python manage.py load_initial_data`.

The site tree is made here; every other part comes from the demo loaders the apps register
under `DEMO_LOADER_HOOK` (people's organisation and accounts first, then learning, exams,
competitions and records), with the bookkeeping helpers below. Every part is idempotent:
records are looked up by their natural keys (slug, code, name, 工号, username) and written
only when something differs, so a second run changes nothing and creates no duplicates.

Demo data only: the command refuses to run unless `settings.DEMO_DATA_ALLOWED`.
"""

import json
import unicodedata
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext as _
from wagtail import hooks
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page, Site

from .hooks import DEMO_LOADER_HOOK
from .models import HomePage, SiteSettings

DEMO_PASSWORD = "Frontline-demo-2026"
SITE_NAME = "窗口服务能力提升平台"

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


# ---------------------------------------------------------------------------
# Bookkeeping
# ---------------------------------------------------------------------------


@dataclass
class Tally:
    """How many records of each kind were created, updated or left unchanged."""

    counts: dict = field(default_factory=lambda: defaultdict(Counter))
    notes: list = field(default_factory=list)

    def add(self, label, status, n=1):
        self.counts[str(label)][status] += n

    def rows(self):
        return [
            (label, c[CREATED], c[UPDATED], c[UNCHANGED]) for label, c in self.counts.items()
        ]

    @property
    def changed(self):
        return sum(c[CREATED] + c[UPDATED] for c in self.counts.values())


@dataclass
class DemoAccount:
    username: str
    name: str
    roles: list
    note: str = ""


def _label(model):
    return str(model._meta.verbose_name_plural)


def _differs(obj, name, value):
    """True when field `name` of `obj` is not `value` (foreign keys compared by pk)."""
    model_field = obj._meta.get_field(name)
    if model_field.is_relation and (model_field.many_to_one or model_field.one_to_one):
        current = getattr(obj, model_field.attname)
        wanted = value.pk if isinstance(value, models.Model) else value
        return current != wanted
    return getattr(obj, name) != value


def _apply(obj, values):
    """Set the differing `values` on `obj`; return the names that changed."""
    changed = [name for name, value in values.items() if _differs(obj, name, value)]
    for name in changed:
        setattr(obj, name, values[name])
    return changed


_LOOK_UP = object()


def _sync(model, lookup, values, tally, existing=_LOOK_UP):
    """get-or-create by `lookup`, then update only what differs. Returns (obj, status).

    `existing` (optional) is the object already fetched by the caller, or None when the
    caller knows it does not exist yet: callers that load many objects with one query
    pass it to avoid a query per object.
    """
    if existing is _LOOK_UP:
        existing = model.objects.filter(**lookup).first()
    if existing is None:
        obj = model(**lookup, **values)
        obj.save()
        tally.add(_label(model), CREATED)
        return obj, CREATED
    changed = _apply(existing, values)
    if changed:
        existing.save(update_fields=changed + _auto_now_fields(model))
        tally.add(_label(model), UPDATED)
        return existing, UPDATED
    tally.add(_label(model), UNCHANGED)
    return existing, UNCHANGED


def _auto_now_fields(model):
    return [f.name for f in model._meta.concrete_fields if getattr(f, "auto_now", False)]


def _sync_many(model, key, rows, tally, queryset=None):
    """`_sync` for many rows keyed on one unique field, with one query to read them all."""
    queryset = queryset if queryset is not None else model.objects.all()
    keys = [row[key] for row in rows]
    found = {getattr(obj, key): obj for obj in queryset.filter(**{f"{key}__in": keys})}
    result = {}
    for row in rows:
        values = {k: v for k, v in row.items() if k != key}
        obj, _status = _sync(model, {key: row[key]}, values, tally, existing=found.get(row[key]))
        result[row[key]] = obj
    return result


def _sync_m2m(manager, wanted, tally, label):
    """Make a many-to-many relation hold exactly `wanted` (uses prefetched data if any)."""
    current = {obj.pk for obj in manager.all()}
    wanted_ids = {obj.pk for obj in wanted}
    if current != wanted_ids:
        manager.set(wanted)
        tally.add(label, UPDATED if current else CREATED)


_password_hash = None


def demo_password_hash():
    """One hash of the demo password, shared by every demo user of this run.

    Hashing costs about half a second with Django's default hasher; hashing it once
    keeps the first run fast. Every hash carries its own salt, so this is still a
    valid password for each user.
    """
    global _password_hash
    if _password_hash is None:
        _password_hash = make_password(DEMO_PASSWORD)
    return _password_hash


# ---------------------------------------------------------------------------
# Site tree
# ---------------------------------------------------------------------------

HOME_SLUG = "home"

HERO_TEXT = (
    "窗口服务能力提升平台是面向政务服务窗口工作人员、培训师和人事部门的一体化工作平台。"
    "窗口人员在这里学习业务知识和最新政策、参加考试和岗位练兵，随时查看本人的服务评价、"
    "考勤情况和月度考核结果；培训师在这里发布课程、典型案例和政策更新；"
    "人事部门在这里汇总考勤与“好差评”数据，按月核定考核等次和绩效工资。"
)


def _block_id(name):
    """A stable block id, so that re-running the loader compares equal."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"frontline:home:{name}"))


def _heading(name, text, size="h2"):
    return {"type": "heading", "value": {"text": text, "size": size}, "id": _block_id(name)}


def _paragraph(name, html):
    return {"type": "paragraph", "value": html, "id": _block_id(name)}


LOOP_FEATURES = [
    (
        "学 · 学习",
        "培训师按岗位发布业务课程、典型案例和政策更新，窗口人员在线学习、逐条确认新政策，"
        "学时自动记录，做到应知应会、常学常新。",
    ),
    (
        "考 · 考试",
        "题库覆盖各岗位业务知识和服务规范，定期组织在线考试、岗位练兵和业务技能竞赛，"
        "以考促学、以赛促练。",
    ),
    (
        "服 · 服务",
        "群众通过窗口二维码和评价器对每次服务作出“好差评”，考勤打卡和巡查暗访如实记录"
        "工作纪律与服务作风。",
    ),
    (
        "评 · 评价",
        "每月综合服务评价、工作纪律、考试成绩和学习完成情况计算个人得分和等次，"
        "优秀等次实行比例控制，评价结果公开透明。",
    ),
    (
        "薪 · 绩效",
        "考核等次对应绩效系数，按绩效工资基数生成工资表，经人事审核、领导审批后兑现，"
        "真正做到奖优罚劣、多劳多得。",
    ),
    (
        "馈 · 反馈",
        "本人可查看评分明细并在规定期限内申诉；管理人员通过数据看板发现薄弱环节，"
        "开展精准培训、跟踪整改落实。",
    ),
]

ROLES_HTML = (
    "<ul>"
    "<li><b>窗口人员</b>：登录“我的工作台”，完成指派的课程和案例学习，确认政策更新，参加考试和竞赛，"
    "查看本人的服务评价、考勤记录、月度考核和绩效系数；对考核结果有异议的，可在规定期限内提出申诉。</li>"
    "<li><b>培训师</b>：在内容管理后台发布课程、案例和政策更新，建设题库、组织考试和竞赛，掌握学习效果。</li>"
    "<li><b>人事部门</b>：导入人员名册、考勤和评价数据，配置考核方案，计算、审核、审批并公布月度考核结果，"
    "导出绩效工资表。</li>"
    "<li><b>督查人员</b>：记录巡查暗访中发现的问题，按时限核实、整改、反馈差评工单。</li>"
    "<li><b>用工单位</b>：查看本单位派驻人员的考核结果，配合做好人员管理和教育培训。</li>"
    "</ul>"
)


def home_page_content():
    """The demo home page: title, hero and body (raw StreamField data with stable ids)."""
    body = [
        _heading("purpose-heading", "建设目的"),
        _paragraph(
            "purpose-text",
            "<p>政务服务窗口是连接政府与群众的桥梁，是展示政府形象的“门面”和“口碑”。"
            "当前，一些窗口仍不同程度存在服务意识不强、态度生硬，业务能力跟不上政策更新，"
            "迟到早退、擅自离岗，培训流于形式，考核结果与绩效脱节等问题。</p>"
            "<p>本平台坚持以人民为中心的发展思想，把学习、考试、服务、评价、绩效和反馈连成闭环，"
            "以制度管人、以数据说话，推动窗口服务由“能办”向“好办、快办、暖心办”转变，"
            "打造一支政治素质高、业务能力强、工作作风优的窗口服务队伍。</p>",
        ),
        {
            "type": "features",
            "value": {
                "heading": "服务能力提升闭环",
                "features": [
                    {
                        "type": "item",
                        "value": {"title": title, "text": text, "link": None},
                        "id": _block_id(f"loop-{i}"),
                    }
                    for i, (title, text) in enumerate(LOOP_FEATURES, start=1)
                ],
            },
            "id": _block_id("loop"),
        },
        _heading("roles-heading", "各类人员如何使用"),
        _paragraph("roles-text", ROLES_HTML),
        _heading("rules-heading", "窗口服务基本要求"),
        _paragraph(
            "rules-text",
            "<p>窗口工作人员应严格落实首问负责、一次性告知、限时办结等制度，按时到岗、文明用语、"
            "规范着装，不推诿、不扯皮、不刁难；主动学习新政策、新业务，做到准确解答、熟练办理；"
            "自觉接受群众评价和社会监督，对差评问题即知即改。</p>",
        ),
        {
            "type": "callout",
            "value": {
                "kind": "info",
                "title": "政策更新",
                "text": "<p>最新的政策文件和业务规定将在此处发布。窗口工作人员请及时阅读，"
                "并在平台上确认已学习，确保准确掌握新政策、新业务、新要求。</p>",
            },
            "id": _block_id("policy-news"),
        },
    ]
    return {
        "title": SITE_NAME,
        "hero_title": SITE_NAME,
        "hero_text": HERO_TEXT,
        "body": body,
    }


def _canonical(raw):
    return json.dumps(list(raw), sort_keys=True, ensure_ascii=False)


def _home_differs(page, content):
    return (
        any(getattr(page, name) != content[name] for name in ("title", "hero_title", "hero_text"))
        or _canonical(page.body.raw_data) != _canonical(content["body"])
    )


def _remove_wagtail_welcome_page(root, tally):
    """Delete the "Welcome to your new Wagtail site!" page of Wagtail's first migration."""
    page_type = ContentType.objects.get_for_model(Page)
    welcome = Page.objects.filter(
        depth=2, slug=HOME_SLUG, content_type=page_type, numchild=0
    ).first()
    if welcome is None:
        return
    # Sites cascade-delete with their root page: park them on the tree root first.
    Site.objects.filter(root_page=welcome).update(root_page=root)
    welcome.delete()
    tally.notes.append(_("Deleted Wagtail's default welcome page."))


def load_site_tree(tally):
    """The home page as root of the default site, and the site settings."""
    # After `manage.py flush` the migration-made tree root and locale are gone too.
    Locale.objects.get_or_create(language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE))
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
    _remove_wagtail_welcome_page(root, tally)
    content = home_page_content()

    home = HomePage.objects.first()
    if home is None:
        slug = HOME_SLUG
        if root.get_children().filter(slug=slug).exists():
            slug = "frontline"
        home = HomePage(slug=slug, **content)
        root.add_child(instance=home)
        home.save_revision().publish()
        tally.add(_label(HomePage), CREATED)
    else:
        home = home.specific
        latest = home.latest_revision
        written_by_us = latest is None or latest.user_id is None
        # Content an editor has changed in the CMS is theirs: leave it alone.
        if written_by_us and (_home_differs(home, content) or not home.live):
            for name, value in content.items():
                setattr(home, name, value)
            home.save_revision().publish()
            tally.add(_label(HomePage), UPDATED)
        else:
            tally.add(_label(HomePage), UNCHANGED)

    site, _status = _sync(
        Site,
        {"hostname": "localhost", "port": 80},
        {"root_page": home, "is_default_site": True, "site_name": SITE_NAME},
        tally,
    )
    # Only one default site.
    for other in Site.objects.filter(is_default_site=True).exclude(pk=site.pk):
        other.is_default_site = False
        other.save(update_fields=["is_default_site"])

    settings_defaults = {
        "organisation": "某县政务服务管理局",
        "service_phone": "12345",
        "footer_text": "本平台用于政务服务窗口工作人员的培训、考核与管理，相关数据仅限内部工作使用。",
    }
    site_settings = SiteSettings.objects.filter(site=site).first()
    if site_settings is None:
        SiteSettings.objects.create(site=site, **settings_defaults)
        tally.add(_("site settings"), CREATED)
    else:
        # Fill only what is empty: an administrator's settings win.
        blank = {k: v for k, v in settings_defaults.items() if not getattr(site_settings, k)}
        if blank:
            _apply(site_settings, blank)
            site_settings.save(update_fields=list(blank))
            tally.add(_("site settings"), UPDATED)
        else:
            tally.add(_("site settings"), UNCHANGED)
    return home


# ---------------------------------------------------------------------------
# Demo accounts (every app's loader adds its own through these)
# ---------------------------------------------------------------------------


def _users_by_username(usernames):
    User = get_user_model()
    return {u.username: u for u in User.objects.filter(username__in=list(usernames))}


def _sync_user(user, *, username, name, tally, superuser=False):
    """Create or update a demo user; set the demo password only when it has none."""
    User = get_user_model()
    values = {
        "first_name": name,
        "is_active": True,
        "is_staff": superuser,
        "is_superuser": superuser,
    }
    if user is None:
        user = User(username=username, password=demo_password_hash(), **values)
        user.save()
        tally.add(_label(User), CREATED)
        return user
    changed = _apply(user, values)
    if not user.has_usable_password():
        user.password = demo_password_hash()
        changed.append("password")
    if changed:
        user.save(update_fields=changed)
        tally.add(_label(User), UPDATED)
    else:
        tally.add(_label(User), UNCHANGED)
    return user


def _ensure_groups(wanted, tally):
    """Add users to groups (never removes other memberships). One read, one write."""
    User = get_user_model()
    Membership = User.groups.through
    user_ids = [u.pk for u in wanted]
    have = set(Membership.objects.filter(user_id__in=user_ids).values_list("user_id", "group_id"))
    missing = [
        Membership(user_id=user.pk, group_id=group.pk)
        for user, groups in wanted.items()
        for group in groups
        if (user.pk, group.pk) not in have
    ]
    if missing:
        Membership.objects.bulk_create(missing, ignore_conflicts=True)
        tally.add(_("group memberships"), CREATED, len(missing))



# ---------------------------------------------------------------------------
# Everything
# ---------------------------------------------------------------------------


@dataclass
class Report:
    tally: Tally
    accounts: list
    password: str = DEMO_PASSWORD


def load_initial_data():
    """The site tree, then every app's registered demo loader in order. The caller wraps it
    in a transaction."""
    tally = Tally()
    load_site_tree(tally)
    accounts = []
    for load in hooks.get_hooks(DEMO_LOADER_HOOK):
        accounts.extend(load(tally) or [])
    return Report(tally=tally, accounts=accounts)


# ---------------------------------------------------------------------------
# Printing
# ---------------------------------------------------------------------------


def display_width(text):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in str(text))


def format_table(headers, rows):
    """A plain-text table whose columns line up with Chinese (double-width) text."""
    widths = [max(display_width(cell) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells):
        return "  ".join(
            str(cell) + " " * (width - display_width(cell)) for cell, width in zip(cells, widths, strict=True)
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])
