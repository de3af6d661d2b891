"""The organisation directory's part of `python manage.py load_initial_data` (see `home.demo`).

Service centres, posts, windows, vendors, the window staff (generated with a fixed seed, so
every run and every machine produces the same people) and one demo account per role.
Registered as the first demo loader in `people/wagtail_hooks.py`; idempotent like the rest.
"""

import datetime
import random
from decimal import Decimal

from django.contrib.auth.models import Group
from django.utils.translation import gettext as _

from home.demo import (
    CREATED,
    DemoAccount,
    _ensure_groups,
    _sync,
    _sync_m2m,
    _sync_many,
    _sync_user,
    _users_by_username,
)

from . import roles
from .models import Post, ServiceCentre, StaffProfile, VendorCompany, VendorManager, Window

SEED = 2026


def load_people_demo(tally):
    """The role groups, the organisation and the demo accounts. Returns the accounts to print."""
    # post_migrate keeps the groups in step with the roles modules; syncing again is cheap
    # and makes the demo independent of how the database was made.
    roles.sync_roles()
    organisation = load_organisation(tally)
    return load_accounts(tally, organisation)


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

