"""Service records: rules per centre and the calendar (rules.py), attendance (attendance.py),
citizen ratings (ratings.py), bad-review cases (cases.py), inspections and commendations
(inspections.py), monthly evaluations and assessment schemes (evaluations.py)."""

from .attendance import AttendanceCorrection, AttendanceDay, DingTalkUser  # noqa: F401
from .cases import BadReviewCase, CaseEvent  # noqa: F401
from .evaluations import (  # noqa: F401
    AssessmentScheme,
    Evaluation,
    EvaluationAppeal,
    EvaluationPeriod,
    PeriodChange,
    SchemeVersion,
)
from .inspections import Commendation, FindingType, InspectionFinding  # noqa: F401
from .ratings import Rating, RatingLevel, RatingSource  # noqa: F401
from .rules import CalendarDay, CentreRules, ShiftSchedule  # noqa: F401
