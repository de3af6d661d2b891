"""Demo data for `python manage.py load_initial_data`.

One function per part (site tree, organisation, accounts). Every part is idempotent:
records are looked up by their natural keys (slug, code, name, 工号, username) and
written only when something differs, so a second run changes nothing and creates
no duplicates. The staff list is generated with a fixed seed, so every run (and
every machine) produces the same people.

Demo data only: the command refuses to run unless `settings.DEMO_DATA_ALLOWED`.
Later issues extend this module with courses, exams, ratings and evaluations.
"""

import datetime
import json
import random
import unicodedata
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext as _
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page, Site

from people import roles
from people.models import Post, ServiceCentre, StaffProfile, VendorCompany, VendorManager, Window

from .models import HomePage, SiteSettings

DEMO_PASSWORD = "Frontline-demo-2026"
SITE_NAME = "窗口服务能力提升平台"
SEED = 2026

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
# Organisation
# ---------------------------------------------------------------------------

CENTRES = [
    {
        "code": "cd",
        "name": "城东政务服务中心",
        "address": "某县城东新区人民东路88号市民服务大楼一至三层",
        "phone": "0000-6201001",
    },
    {
        "code": "cx",
        "name": "城西政务服务中心",
        "address": "某县城西街道锦绣路266号",
        "phone": "0000-6202001",
    },
]

POSTS = [
    ("综合受理", "“一窗受理”：统一收件、分类转办、统一出件，落实一次性告知。"),
    ("不动产登记", "不动产首次登记、转移登记、抵押登记和权属证明查询。"),
    ("社保医保", "社会保险参保登记、待遇申领，医疗保险参保缴费和异地就医备案。"),
    ("企业开办", "企业设立登记、印章刻制、发票申领和员工参保“一网通办”。"),
    ("公积金", "住房公积金缴存、提取、贷款和转移接续。"),
    ("税务", "税费申报缴纳、发票办理、涉税证明和房产交易税费。"),
    ("公安户政", "户口迁移、居民身份证办理和户籍证明。"),
    ("工程建设审批", "工程建设项目立项、规划、施工许可和联合验收。"),
    ("民政事务", "婚姻登记、社会救助和养老服务补贴申请。"),
]

# (code, name, posts served)
WINDOWS = {
    "cd": [
        ("01-01", "综合受理窗口", ["综合受理"]),
        ("01-02", "企业开办窗口", ["企业开办", "税务"]),
        ("01-03", "不动产登记窗口", ["不动产登记"]),
        ("01-04", "不动产交易窗口", ["不动产登记", "税务"]),
        ("01-05", "社保医保窗口", ["社保医保"]),
        ("01-06", "医保经办窗口", ["社保医保"]),
        ("01-07", "公积金窗口", ["公积金"]),
        ("01-08", "税务办理窗口", ["税务"]),
        ("01-09", "公安户政窗口", ["公安户政"]),
        ("01-10", "“办不成事”反映窗口", ["综合受理"]),
    ],
    "cx": [
        ("02-01", "综合受理窗口", ["综合受理"]),
        ("02-02", "企业开办窗口", ["企业开办"]),
        ("02-03", "工程建设项目审批窗口", ["工程建设审批"]),
        ("02-04", "不动产登记窗口", ["不动产登记", "税务"]),
        ("02-05", "社保医保窗口", ["社保医保"]),
        ("02-06", "公积金窗口", ["公积金"]),
        ("02-07", "税务办理窗口", ["税务"]),
        ("02-08", "公安户政窗口", ["公安户政"]),
        ("02-09", "民政婚姻登记窗口", ["民政事务"]),
        ("02-10", "帮办代办窗口", ["综合受理", "企业开办"]),
    ],
}

VENDORS = [
    # name, credit-code body (9 + 1 + region + organisation code without its check), contact, phone
    ("安信人力资源有限公司", "91510700", "MA6ATX3K", "赵强", "13808161234"),
    ("恒达劳务派遣有限公司", "91510700", "MA62K8Q5", "钱慧敏", "15982731560"),
    ("政通服务外包有限公司", "91510700", "MA6B3HR0", "孙立新", "18990125876"),
]

STAFF_PER_WINDOW = 3
STAFF_NO_START = {"cd": ("CD", 1001), "cx": ("CX", 2001)}

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万严向汤"
)
FEMALE_GIVEN = (
    "晓燕 丽娟 雪梅 婷婷 静怡 欣怡 佳琪 雨桐 思雨 梦瑶 慧敏 秀英 玉兰 红梅 春燕 海燕 丽华 文静 雅琴 晶晶 "
    "美玲 淑珍 诗涵 子涵 可欣 悦 婷 敏 静 丽 芳 娜 霞 琳 颖 洁 倩 蕾 萍 璐"
).split()
MALE_GIVEN = (
    "建国 志强 国华 建军 晓东 海涛 俊杰 文博 浩然 子轩 宇航 明轩 志远 家豪 天宇 鹏飞 振华 永刚 立新 卫东 "
    "伟 强 磊 军 勇 杰 涛 超 鹏 斌 浩 宇 帆 凯 峰 亮 辉 刚 林 波"
).split()
MOBILE_PREFIXES = (
    "130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 157 158 159 "
    "166 173 177 180 181 182 183 186 187 188 189 191 198 199"
).split()
# 6-digit administrative division codes for the county and its neighbours (made up).
ID_REGIONS = ["510781", "510722", "510703", "510704", "510725"]

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"


def id_check_char(first17):
    """The GB 11643 check character of a resident ID number's first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def id_number_is_valid(id_number):
    return (
        len(id_number) == 18
        and id_number[:17].isdigit()
        and id_number[17] == id_check_char(id_number[:17])
    )


_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def credit_code(prefix8, org8):
    """A unified social credit code (GB 32100) with correct check characters."""
    org_sum = sum(_USCC_CHARS.index(c) * w for c, w in zip(org8, _ORG_WEIGHTS, strict=True))
    org_check = 11 - org_sum % 11
    org9 = org8 + {10: "X", 11: "0"}.get(org_check, str(org_check))
    body = prefix8 + org9
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(body, _USCC_WEIGHTS, strict=True))
    return body + _USCC_CHARS[(31 - total % 31) % 31]


def _id_number(rng, *, male, born):
    seq = rng.randrange(0, 50) * 10 + rng.choice([1, 3, 5, 7, 9] if male else [0, 2, 4, 6, 8])
    first17 = f"{rng.choice(ID_REGIONS)}{born:%Y%m%d}{seq:03d}"
    return first17 + id_check_char(first17)


def _random_date(rng, start, end):
    return start + datetime.timedelta(days=rng.randrange((end - start).days + 1))


def staff_specs():
    """The demo staff, generated deterministically (same seed, same people, every run).

    Plain values only (centre code, window code, vendor and post names), no ORM.
    """
    rng = random.Random(SEED)
    vendor_names = [v[0] for v in VENDORS]
    used_names, used_phones = set(), set()
    specs = []
    for centre_code, windows in WINDOWS.items():
        prefix, number = STAFF_NO_START[centre_code]
        for window_code, _window_name, posts in windows:
            for _i in range(STAFF_PER_WINDOW):
                male = rng.random() < 0.45
                while True:
                    name = rng.choice(SURNAMES) + rng.choice(MALE_GIVEN if male else FEMALE_GIVEN)
                    if name not in used_names:
                        used_names.add(name)
                        break
                while True:
                    phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
                    if phone not in used_phones:
                        used_phones.add(phone)
                        break
                born = _random_date(rng, datetime.date(1972, 1, 1), datetime.date(2001, 12, 31))
                adult = born + datetime.timedelta(days=20 * 366)
                hire_date = _random_date(rng, max(datetime.date(2012, 3, 1), adult), datetime.date(2025, 12, 31))
                vendor = None if rng.random() < 1 / 6 else rng.choice(vendor_names)
                specs.append(
                    {
                        "staff_no": f"{prefix}{number}",
                        "name": name,
                        "phone": phone,
                        "id_number": _id_number(rng, male=male, born=born),
                        "centre": centre_code,
                        "window": window_code,
                        "vendor": vendor,
                        "post": rng.choice(posts),
                        "hire_date": hire_date,
                        "pay_base": Decimal(rng.randrange(1500, 2501, 50)).quantize(Decimal("0.01")),
                    }
                )
                number += 1
    return specs


def load_organisation(tally):
    """Service centres, posts, windows, vendors and the window staff with their accounts."""
    centres = _sync_many(ServiceCentre, "code", CENTRES, tally)
    posts = _sync_many(Post, "name", [{"name": n, "description": d} for n, d in POSTS], tally)

    window_rows, window_posts = [], {}
    for centre_code, windows in WINDOWS.items():
        for code, name, post_names in windows:
            window_rows.append({"code": code, "name": name, "centre": centres[centre_code], "active": True})
            window_posts[code] = [posts[n] for n in post_names]
    windows = _sync_many(Window, "code", window_rows, tally, Window.objects.prefetch_related("posts"))
    for code, window in windows.items():
        _sync_m2m(window.posts, window_posts[code], tally, _("window posts"))

    vendors = _sync_many(
        VendorCompany,
        "name",
        [
            {
                "name": name,
                "credit_code": credit_code(prefix, org),
                "contact_name": contact,
                "contact_phone": phone,
                "active": True,
            }
            for name, prefix, org, contact, phone in VENDORS
        ],
        tally,
    )

    specs = staff_specs()
    sync_staff(specs, centres=centres, windows=windows, vendors=vendors, posts=posts, tally=tally)
    return {"centres": centres, "posts": posts, "windows": windows, "vendors": vendors}


def sync_staff(specs, *, centres, windows, vendors, posts, tally, usernames=None):
    """Staff profiles and their user accounts (group 窗口人员), by 工号.

    `usernames` maps 工号 → username for the exceptions (the `staff` demo account);
    everyone else logs in with their 工号.
    """
    usernames = usernames or {}
    staff_group = Group.objects.get(name=roles.STAFF)
    staff_nos = [s["staff_no"] for s in specs]
    profiles = {p.staff_no: p for p in StaffProfile.objects.select_related("user").filter(staff_no__in=staff_nos)}
    users = _users_by_username(usernames.get(s["staff_no"], s["staff_no"]) for s in specs)
    for spec in specs:
        profile = profiles.get(spec["staff_no"])
        username = usernames.get(spec["staff_no"], spec["staff_no"])
        user = profile.user if profile else users.get(username)
        user = _sync_user(user, username=username, name=spec["name"], tally=tally)
        values = {
            "user": user,
            "name": spec["name"],
            "phone": spec["phone"],
            "id_number": spec["id_number"],
            "centre": centres[spec["centre"]],
            "window": windows[spec["window"]],
            "vendor": vendors[spec["vendor"]] if spec["vendor"] else None,
            "post": posts[spec["post"]],
            "hire_date": spec["hire_date"],
            "pay_base": spec["pay_base"],
            "active": True,
        }
        profile, _status = _sync(
            StaffProfile, {"staff_no": spec["staff_no"]}, values, tally, existing=profile
        )
        users[username] = user
    _ensure_groups({user: [staff_group] for user in users.values()}, tally)


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
# Demo accounts
# ---------------------------------------------------------------------------

DEMO_STAFF = {
    "staff_no": "CD0001",
    "name": "陈思雨",
    "phone": "13981601234",
    "id_number": "51078119950312042" + id_check_char("51078119950312042"),
    "centre": "cd",
    "window": "01-01",
    "vendor": "安信人力资源有限公司",
    "post": "综合受理",
    "hire_date": datetime.date(2021, 7, 1),
    "pay_base": Decimal("2000.00"),
}

# username, first name, role, superuser
DEMO_ACCOUNTS = [
    ("admin", "系统管理员", roles.ADMIN, True),
    ("trainer", "培训师王老师", roles.TRAINER, False),
    ("hr", "人事专员刘洋", roles.HR, False),
    ("supervisor", "督查员张建国", roles.SUPERVISOR, False),
    ("vendor", "安信人力赵经理", roles.VENDOR, False),
    ("judge", "评委孙老师", roles.JUDGE, False),
]


def load_accounts(tally, organisation=None):
    """The demo accounts: one per role, all with the demo password."""
    organisation = organisation or _organisation_from_db()
    groups = {g.name: g for g in Group.objects.filter(name__in=roles.ALL_ROLES)}
    users = _users_by_username(username for username, *_rest in DEMO_ACCOUNTS)
    accounts, memberships = {}, {}
    for username, name, role, superuser in DEMO_ACCOUNTS:
        user = _sync_user(users.get(username), username=username, name=name, tally=tally, superuser=superuser)
        memberships[user] = [groups[role]]
        accounts[username] = DemoAccount(username, name, [role])
        users[username] = user
    _ensure_groups(memberships, tally)

    # The supervisor handles both centres.
    supervisor = users["supervisor"]
    centres = list(organisation["centres"].values())
    supervised = set(supervisor.supervised_centres.values_list("pk", flat=True))
    for centre in centres:
        if centre.pk not in supervised:
            centre.supervisors.add(supervisor)
            tally.add(_("centre supervisors"), CREATED)
    accounts["supervisor"].note = "、".join(c.name for c in centres)

    # The vendor manager belongs to 安信.
    vendor = organisation["vendors"][DEMO_STAFF["vendor"]]
    _sync(VendorManager, {"user": users["vendor"]}, {"vendor": vendor}, tally)
    accounts["vendor"].note = vendor.name

    # `staff` is a window staff member at 城东 with a profile (工号 CD0001).
    sync_staff([DEMO_STAFF], **organisation, tally=tally, usernames={DEMO_STAFF["staff_no"]: "staff"})
    window = organisation["windows"][DEMO_STAFF["window"]]
    accounts["staff"] = DemoAccount(
        "staff", DEMO_STAFF["name"], [roles.STAFF], f"{DEMO_STAFF['staff_no']} · {window}"
    )
    return list(accounts.values())


def _organisation_from_db():
    return {
        "centres": {c.code: c for c in ServiceCentre.objects.filter(code__in=[c["code"] for c in CENTRES])},
        "windows": {w.code: w for w in Window.objects.all()},
        "vendors": {v.name: v for v in VendorCompany.objects.all()},
        "posts": {p.name: p for p in Post.objects.all()},
    }


# ---------------------------------------------------------------------------
# Everything
# ---------------------------------------------------------------------------


@dataclass
class Report:
    tally: Tally
    accounts: list
    password: str = DEMO_PASSWORD


def load_initial_data():
    """All parts, in order. The caller wraps it in a transaction."""
    tally = Tally()
    # The role groups come from a migration; after `manage.py flush` they must be made again.
    roles.sync_roles(django_apps)
    load_site_tree(tally)
    organisation = load_organisation(tally)
    accounts = load_accounts(tally, organisation)
    from courses.demo import load_learning_content

    load_learning_content(tally)
    from courses.demo_admin import load_learning_admin

    accounts.extend(load_learning_admin(tally))
    from exams.demo import load_exam_content

    load_exam_content(tally)
    from competitions.demo import load_competition_content

    load_competition_content(tally)
    from assessment.demo import load_service_records

    load_service_records(tally)
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
