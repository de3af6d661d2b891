"""Role permissions on the exams app's models (merged by people.roles.role_permissions)."""

from people import roles

_MODELS = ("questionbank", "category", "question", "paper", "exam", "attempt")
_MANAGE = [f"exams.{action}_{model}" for model in _MODELS for action in ("add", "change", "delete", "view")]

ROLE_PERMISSIONS = {
    # Trainers build banks, papers and exams, grade and read the results.
    roles.TRAINER: [*_MANAGE, "exams.view_questionversion", "exams.grade_exam", "exams.view_results"],
    # HR reads exams and results (the T component of the evaluation); changes nothing.
    roles.HR: ["exams.view_exam", "exams.view_results"],
    roles.ADMIN: [*_MANAGE, "exams.view_questionversion", "exams.grade_exam", "exams.view_results"],
}
