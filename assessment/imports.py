"""Service records as registered spreadsheet imports (see home.imports)."""

from functools import partial

from django.utils.translation import gettext_lazy as _

from home.imports import SpreadsheetImport

from . import rating_rules as rr
from . import resources as cols
from .roles import IMPORT_ATTENDANCE, IMPORT_RATINGS
from .services import ATTENDANCE_PREVIEW_HEADERS, attendance_import, rating_import

ATTENDANCE_IMPORT = SpreadsheetImport(
    key="attendance",
    label=_("Attendance"),
    permission=IMPORT_ATTENDANCE,
    # DingTalk's header row is the first with 姓名 and 日期; the generic layout has no 姓名,
    # so the first row naming 日期 is taken and the layout is told apart by its columns.
    header_markers=(cols.DATE,),
    required_headers=cols.GENERIC_REQUIRED,
    all_headers=ATTENDANCE_PREVIEW_HEADERS,
    run=attendance_import,
    streaming=True,
    help_text=_(
        "DingTalk's 每日统计 export as it comes (title rows, 工号 or UserId, 班次, 上班1/下班1 and for "
        "split shifts 上班2/下班2 打卡时间, 关联的审批单), or the generic layout 工号, 日期, 上班打卡, "
        "下班打卡, 请假类型. One record per person and day: importing again replaces it, except days "
        "HR corrected. The platform classifies each day with the centre's own rules."
    ),
)


def _ratings_import(direction, key, label, help_text):
    return SpreadsheetImport(
        key=key,
        label=label,
        permission=IMPORT_RATINGS,
        header_markers=(cols.TICKET, cols.LEVEL),
        required_headers=cols.RATING_REQUIRED,
        all_headers=cols.RATING_HEADERS,
        run=partial(rating_import, direction=direction),
        streaming=True,
        help_text=help_text,
    )


RATINGS_IMPORT = _ratings_import(
    rr.GB,
    "ratings",
    _("Ratings (好差评)"),
    _(
        "评价等级 as a label (非常满意 … 非常不满意) or a GB/T 39046 number (1 = 非常满意). Every 不满意 "
        "and 非常不满意 opens a bad-review case. 办件编号 with 评价次数 identifies a rating: importing "
        "again changes nothing."
    ),
)
RATINGS_PROVINCIAL_IMPORT = _ratings_import(
    rr.PROVINCIAL,
    "ratings-provincial",
    _("Ratings (好差评), provincial numeric codes"),
    _(
        "For files from provincial systems whose numbers run the other way: 1 = 非常不满意 … "
        "5 = 非常满意. Labels are read as written."
    ),
)
