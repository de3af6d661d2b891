"""Demo service records of the assessment app for `load_initial_data` (idempotent).

Three months of attendance and ratings for the demo staff, generated deterministically and
written through the same import code HR uses (generic attendance layout, ratings layout),
so that running it again changes nothing. Plus the 2026 holiday calendar (a demo: HR checks
it against the State Council's notice), a finding catalogue, a rating feed, a few findings
and commendations, and bad-review cases in every state. Then the demo months' evaluations:
computed, reviewed, approved and published by the demo HR and admin, with one appeal in
progress by `staff` (load_evaluations). Months already approved are locked: a re-run leaves
their records and figures alone.
"""

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _

from home.spreadsheets import read_table
from people.models import StaffProfile

from . import attendance_rules as ar
from . import services
from .models import (
    BadReviewCase,
    CalendarDay,
    CaseEvent,
    CentreRules,
    Commendation,
    Evaluation,
    EvaluationAppeal,
    EvaluationPeriod,
    FindingType,
    InspectionFinding,
    RatingSource,
)
from .periods import Period
from .selectors import locked_months

SEED = 2026
CREATED, UNCHANGED, UPDATED = "created", "unchanged", "updated"

HOLIDAYS_2026 = {
    "元旦": ["2026-01-01", "2026-01-02", "2026-01-03"],
    "春节": [f"2026-02-{d:02d}" for d in range(15, 24)],
    "清明节": ["2026-04-04", "2026-04-05", "2026-04-06"],
    "劳动节": [f"2026-05-{d:02d}" for d in range(1, 6)],
    "端午节": ["2026-06-19", "2026-06-20", "2026-06-21"],
    "中秋节": ["2026-09-25", "2026-09-26", "2026-09-27"],
    "国庆节": [f"2026-10-{d:02d}" for d in range(1, 8)],
}
WORKDAYS_2026 = {"元旦调休": ["2026-01-04"], "春节调休": ["2026-02-14", "2026-02-28"], "劳动节调休": ["2026-05-09"]}

FINDING_TYPES = [
    ("离岗未挂牌", "2.00", False, "工作时间离开窗口未放置“暂停服务”牌"),
    ("着装不规范", "1.00", False, "未按规定着工装、佩戴工牌"),
    ("服务用语不规范", "2.00", False, "未使用文明用语，或使用服务禁语"),
    ("玩手机", "3.00", False, "工作时间在窗口玩手机、做与工作无关的事"),
    ("推诿扯皮", "5.00", False, "对群众诉求推诿、不落实一次性告知"),
    ("擅自离岗超过1小时", "10.00", True, "一票否决：当月考核不合格"),
    ("吃拿卡要", "20.00", True, "一票否决：当月考核不合格"),
]
MATTERS = ["社保卡补办", "公积金提取", "不动产转移登记", "居住证办理", "营业执照变更", "企业设立登记", "医保异地备案"]
CHANNELS = ["短信", "二维码", "评价器", "移动端", "PC端"]
BAD_COMMENTS = ["等待时间太长", "态度不耐烦", "一次性告知不清楚", "业务不熟练"]


def demo_periods(today=None):
    """The three months before the current one."""
    current = Period.current() if today is None else Period.of(today)
    first = current.previous()
    return [first.previous().previous(), first.previous(), first]


def load_calendar(tally):
    label = str(CalendarDay._meta.verbose_name_plural)
    existing = set(CalendarDay.objects.values_list("date", flat=True))
    new = []
    for kind, table in ((CalendarDay.Kind.HOLIDAY, HOLIDAYS_2026), (CalendarDay.Kind.WORKDAY, WORKDAYS_2026)):
        for name, days in table.items():
            for text in days:
                day = dt.date.fromisoformat(text)
                if day not in existing:
                    new.append(CalendarDay(date=day, kind=kind, name=name))
    CalendarDay.objects.bulk_create(new)
    tally.add(label, CREATED, len(new))
    tally.add(label, UNCHANGED, sum(len(v) for v in (*HOLIDAYS_2026.values(), *WORKDAYS_2026.values())) - len(new))


def _attendance_csv(staff, periods, holidays, workdays):
    rng = random.Random(SEED)
    lines = ["工号,日期,上班打卡,下班打卡,请假类型"]
    for period in periods:
        for person in staff:
            for day in period.days():
                if not ar.is_working_day(day, holidays=holidays, workdays=workdays):
                    continue
                roll = rng.random()
                check_in = dt.datetime.combine(day, dt.time(8, 30)) + dt.timedelta(minutes=rng.randrange(0, 30), seconds=rng.randrange(60))
                check_out = dt.datetime.combine(day, dt.time(17, 30)) + dt.timedelta(minutes=rng.randrange(0, 40), seconds=rng.randrange(60))
                leave = ""
                if roll < 0.05:
                    check_in = dt.datetime.combine(day, dt.time(9, 6)) + dt.timedelta(minutes=rng.randrange(0, 24))
                elif roll < 0.065:
                    check_in = dt.datetime.combine(day, dt.time(9, 31)) + dt.timedelta(minutes=rng.randrange(0, 29))
                elif roll < 0.085:
                    check_out = dt.datetime.combine(day, dt.time(17, 0)) + dt.timedelta(minutes=rng.randrange(0, 24))
                elif roll < 0.1:
                    check_out = None
                elif roll < 0.104:
                    check_in = check_out = None
                elif roll < 0.115:
                    check_in = check_out = None
                    leave = rng.choice(["事假", "病假", "年休假"])
                t = lambda v: v.strftime("%H:%M:%S") if v else ""  # noqa: E731
                lines.append(f"{person.staff_no},{day:%Y-%m-%d},{t(check_in)},{t(check_out)},{leave}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _ratings_csv(staff, periods):
    rng = random.Random(SEED + 1)
    lines = ["办件编号,评价次数,评价时间,经办人工号,窗口编号,事项名称,评价等级,评价渠道,评价内容"]
    weights = [("非常满意", 62), ("满意", 26), ("基本满意", 9), ("不满意", 2.2), ("非常不满意", 0.8)]
    labels, cum = [w[0] for w in weights], [w[1] for w in weights]
    for period in periods:
        days = [d for d in period.days() if d.weekday() < 5]
        for person in staff:
            for i in range(rng.randrange(6, 14)):
                level = rng.choices(labels, weights=cum)[0]
                day = rng.choice(days)
                at = dt.datetime.combine(day, dt.time(9, 10)) + dt.timedelta(minutes=rng.randrange(0, 460))
                comment = rng.choice(BAD_COMMENTS) if level in ("不满意", "非常不满意") else ""
                window = person.window.code if person.window_id else ""
                ticket = f"BJ{period.year}{period.month:02d}{person.staff_no}{i:02d}"
                lines.append(
                    f"{ticket},1,{at:%Y-%m-%d %H:%M:%S},{person.staff_no},{window},{rng.choice(MATTERS)},{level},"
                    f"{rng.choice(CHANNELS)},{comment}"
                )
    return ("\n".join(lines) + "\n").encode("utf-8")


def _tally_result(tally, label, result):
    if not result.ok:
        raise RuntimeError("; ".join(str(e) for e in result.errors[:5]))
    tally.add(label, CREATED, result.created)
    tally.add(label, UPDATED, result.updated)
    tally.add(label, UNCHANGED, result.unchanged)


def _advance_cases(tally):
    """Cases in every state, on a realistic timeline: each case is dated from its rating, the
    older ones are closed (mostly 属实, some 不属实, one appeal pending, one upheld), the newest
    are still being verified or rectified, and the newest two are open (overdue once their
    deadlines pass)."""
    supervisor = get_user_model().objects.filter(username="supervisor").first()
    if supervisor is None:
        return
    label = _("bad-review cases worked on")
    cases = list(BadReviewCase.objects.select_related("rating", "staff", "centre").order_by("rating__rated_at", "pk"))
    total = len(cases)
    for index, case in enumerate(cases):
        opened = case.rating.rated_at
        if case.opened_at != opened:
            rules = CentreRules.for_centre(case.centre_id)
            case.verify_due, case.feedback_due = services.case_deadlines(timezone.localdate(opened), rules)
            case.opened_at = opened
            case.save(update_fields=["opened_at", "verify_due", "feedback_due"])
            case.events.filter(action=CaseEvent.Action.OPENED).update(at=opened)
        remaining = total - index
        if case.status != BadReviewCase.Status.OPEN or case.staff is None or remaining <= 2:
            tally.add(label, UNCHANGED)
            continue
        if not case.centre.supervisors.filter(pk=supervisor.pk).exists():
            continue
        case = services.case_verify(case=case, user=supervisor, verify_note="调取窗口录像并询问当事人", revisit_note="已电话回访群众，说明情况")
        if remaining > 3:
            case = services.case_rectify(case=case, user=supervisor, rectify_note="组织窗口人员学习一次性告知制度并当面致歉")
        if remaining > 4:
            outcome = "unfounded" if index % 6 == 5 else "confirmed"
            case = services.case_close(case=case, user=supervisor, feedback_note="已向群众反馈整改情况，群众表示认可", outcome=outcome)
            if index in (1, 2) and outcome == "confirmed":
                case = services.case_appeal(case=case, staff=case.staff, text="该群众诉求属政策规定范围外，已按规定解释")
                if index == 2:
                    services.case_appeal_decide(case=case, user=supervisor, upheld=True, note="经复核，差评原因为政策限制，申诉成立")
        tally.add(label, UPDATED)


def _findings_and_commendations(tally, staff, periods):
    types = {}
    for name, points, veto, description in FINDING_TYPES:
        obj, created = FindingType.objects.get_or_create(
            name=name, defaults={"points": points, "veto": veto, "description": description}
        )
        types[name] = obj
        tally.add(FindingType._meta.verbose_name_plural, CREATED if created else UNCHANGED)
    supervisor = get_user_model().objects.filter(username="supervisor").first()
    rng = random.Random(SEED + 2)
    for period in periods:
        for person in rng.sample(staff, min(4, len(staff))):
            at = timezone.make_aware(dt.datetime.combine(period.first + dt.timedelta(days=rng.randrange(20)), dt.time(10, 30)))
            kind = rng.choice(["离岗未挂牌", "着装不规范", "服务用语不规范", "玩手机"])
            _obj, created = InspectionFinding.objects.get_or_create(
                staff=person, finding_type=types[kind], observed_at=at,
                defaults={"method": rng.choice(["patrol", "mystery"]), "recorded_by": supervisor, "note": "督查巡查发现"},
            )
            tally.add(InspectionFinding._meta.verbose_name_plural, CREATED if created else UNCHANGED)
        for person in rng.sample(staff, min(3, len(staff))):
            date = period.first + dt.timedelta(days=rng.randrange(25))
            _obj, created = Commendation.objects.get_or_create(
                staff=person, date=date,
                defaults={"kind": rng.choice(["letter", "banner"]), "bonus_points": "1.00", "note": "群众来信表扬"},
            )
            tally.add(Commendation._meta.verbose_name_plural, CREATED if created else UNCHANGED)


def load_service_records(tally):
    """Attendance, ratings, cases, findings and commendations for the demo staff."""
    load_calendar(tally)
    if not RatingSource.objects.filter(code="province-feed").exists():
        services.rating_source_create(name="省政务服务好差评系统", direction="provincial", code="province-feed")
        tally.add(RatingSource._meta.verbose_name_plural, CREATED)
    staff = list(StaffProfile.objects.filter(active=True).select_related("window").order_by("staff_no"))
    if not staff:
        return
    # Months the demo has approved already are locked: their records stay as they are.
    locked = locked_months(demo_periods())
    periods = [p for p in demo_periods() if str(p) not in locked]
    if periods:
        holidays, workdays = CalendarDay.sets_between(periods[0].first, periods[-1].last)
        attendance = read_table(_attendance_csv(staff, periods, holidays, workdays), "demo.csv", header_markers=("日期",))
        _tally_result(tally, _("attendance days"), services.attendance_import(attendance, dry_run=False))
        ratings = read_table(_ratings_csv(staff, periods), "demo.csv", header_markers=("办件编号",))
        _tally_result(tally, _("ratings"), services.rating_import(ratings, dry_run=False))
        _advance_cases(tally)
        _findings_and_commendations(tally, staff, periods)
    load_evaluations(tally)


DEMO_APPEAL = "本月有一条“不满意”评价不是我经办的业务（当天我在后台审核材料），请核实后撤销。"


def load_evaluations(tally):
    """The demo months' evaluations: computed, reviewed by `hr`, approved by `admin` (a
    different person; the demo's blockers acknowledged with a note), published; the demo
    user `staff` has an appeal in progress on the last month. Idempotent: a month past
    draft is left as it is, and the appeal is filed once."""
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["hr", "admin", "staff"])}
    hr, approver = users.get("hr"), users.get("admin") or users.get("hr")
    if hr is None:
        return
    label = str(EvaluationPeriod._meta.verbose_name_plural)
    periods = demo_periods()
    for period in periods:
        record = EvaluationPeriod.objects.filter(month=str(period)).first()
        if record is not None and record.status != EvaluationPeriod.Status.DRAFT:
            tally.add(label, UNCHANGED)
            continue
        services.evaluations_compute(period=period, user=hr)
        record = services.period_review(period=str(period), user=hr, note="演示：数据已核对")
        record = services.period_approve(
            period=record, user=approver, signed_off=True,
            acknowledgements=["演示数据：已向中心核实" for _b in record.blockers], note="演示审批",
        )
        services.period_publish(period=record, user=hr, note="演示发布")
        tally.add(label, CREATED)
    profile = StaffProfile.objects.filter(user=users.get("staff")).first() if users.get("staff") else None
    evaluation = (
        Evaluation.objects.filter(staff=profile, period__month=str(periods[-1])).select_related("period").first()
        if profile
        else None
    )
    if evaluation is None or evaluation.appeals.exists():
        return
    if evaluation.period.appeal_open(timezone.localdate()):
        services.evaluation_appeal_submit(evaluation=evaluation, staff=profile, reason=DEMO_APPEAL)
        tally.add(str(EvaluationAppeal._meta.verbose_name_plural), CREATED)
