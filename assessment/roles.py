"""What each role may do with service records (merged into people.roles by `role_permissions`;
the assessment roles migration syncs them).

HR manages everything here; supervisors see attendance and ratings, handle bad-review
cases and record inspection findings; administrators may do all of it. Trainers, vendor
managers, judges and staff get nothing in the admin: vendor managers and staff see their
own company's or their own records on the site (/me/...), checked by role in the views.
"""

from people import roles

_MODELS_HR_MANAGES = (
    "centrerules",
    "shiftschedule",
    "calendarday",
    "attendanceday",
    "dingtalkuser",
    "rating",
    "ratingsource",
    "findingtype",
    "commendation",
)


def _crud(model, actions=("add", "change", "delete", "view")):
    return [f"assessment.{action}_{model}" for action in actions]


_HR = [perm for model in _MODELS_HR_MANAGES for perm in _crud(model)]
_HR += ["assessment.view_attendancecorrection", "assessment.add_attendancecorrection"]
_HR += _crud("badreviewcase", ("view", "change")) + ["assessment.decide_appeal", "assessment.handle_all_centres"]
_HR += _crud("inspectionfinding", ("view", "change", "delete"))

_SUPERVISOR = [
    "assessment.view_attendanceday",
    "assessment.view_rating",
    "assessment.view_badreviewcase",
    "assessment.change_badreviewcase",
    "assessment.decide_appeal",
    "assessment.view_findingtype",
    "assessment.view_commendation",
    *_crud("inspectionfinding", ("add", "change", "view")),
]

ROLE_PERMISSIONS = {
    roles.HR: _HR,
    roles.SUPERVISOR: _SUPERVISOR,
    roles.ADMIN: _HR + ["assessment.add_inspectionfinding"],
}

# Named permissions the views check.
MANAGE_ATTENDANCE = "assessment.change_attendanceday"
IMPORT_ATTENDANCE = "assessment.add_attendanceday"
VIEW_ATTENDANCE = "assessment.view_attendanceday"
IMPORT_RATINGS = "assessment.add_rating"
VIEW_RATINGS = "assessment.view_rating"
VIEW_CASES = "assessment.view_badreviewcase"
HANDLE_CASES = "assessment.change_badreviewcase"
DECIDE_APPEALS = "assessment.decide_appeal"
PRINT_QR = "assessment.change_ratingsource"
ALL_CENTRES = "assessment.handle_all_centres"

# Monthly evaluations and pay: HR and administrators only. Trainers, supervisors and
# everyone else never see pay; staff read their own receipt on the site once published.
_EVALUATIONS = [
    *_crud("assessmentscheme", ("add", "change", "view")),
    "assessment.view_schemeversion",
    "assessment.view_evaluationperiod",
    "assessment.compute_evaluations",
    "assessment.view_evaluation",
]
ROLE_PERMISSIONS[roles.HR] = ROLE_PERMISSIONS[roles.HR] + _EVALUATIONS
ROLE_PERMISSIONS[roles.ADMIN] = ROLE_PERMISSIONS[roles.ADMIN] + _EVALUATIONS

VIEW_EVALUATIONS = "assessment.view_evaluation"
EDIT_SCHEMES = "assessment.change_assessmentscheme"
COMPUTE_EVALUATIONS = "assessment.compute_evaluations"

REVIEW_EVALUATIONS = "assessment.review_evaluations"
APPROVE_EVALUATIONS = "assessment.approve_evaluations"
REOPEN_EVALUATIONS = "assessment.reopen_evaluations"
PUBLISH_EVALUATIONS = "assessment.publish_evaluations"
VIEW_EVALUATION_APPEALS = "assessment.view_evaluationappeal"
DECIDE_EVALUATION_APPEALS = "assessment.decide_evaluation_appeal"

# The workflow of a month (review, approve, reopen, publish and finalize) and appeals: HR
# and administrators. Staff appeal their own evaluation on the site; vendor managers read
# their company's appeals there; nobody else sees them.
_WORKFLOW = [
    REVIEW_EVALUATIONS,
    APPROVE_EVALUATIONS,
    REOPEN_EVALUATIONS,
    PUBLISH_EVALUATIONS,
    VIEW_EVALUATION_APPEALS,
    DECIDE_EVALUATION_APPEALS,
]
ROLE_PERMISSIONS[roles.HR] = ROLE_PERMISSIONS[roles.HR] + _WORKFLOW
ROLE_PERMISSIONS[roles.ADMIN] = ROLE_PERMISSIONS[roles.ADMIN] + _WORKFLOW
