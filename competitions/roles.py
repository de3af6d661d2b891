"""Role permissions on the competitions app's models (merged by people.roles.role_permissions).

竞赛组织 (organising competitions) is the `competitions.organise_competition` permission:
trainers run competitions (DESIGN, role table); administrators may too. Judges and
supervisors reach their score sheets through their panel seats, not through permissions.
"""

from people import roles

# Rounds and rubrics are edited in the admin; entrants, teams and judges come from the
# workbook (which seats judges with recusal), so the admin only corrects them.
_EDITED = ("round", "rubric", "criterion")
_CORRECTED = ("team", "teammember", "entry", "judge", "judgeassignment", "panelseat", "conflictdeclaration")
_MANAGE = [f"competitions.{action}_{model}" for model in _EDITED for action in ("add", "change", "delete", "view")] + [
    f"competitions.{action}_{model}" for model in _CORRECTED for action in ("change", "view")
]
_READ = ["competitions.view_scoresheet", "competitions.view_scoresheetversion", "competitions.view_roundstatelog",
         "competitions.view_resultsnapshot", "competitions.view_award"]
_PAGES = [f"competitions.{action}_competitionpage" for action in ("add", "change", "delete", "view")]
ORGANISE = "competitions.organise_competition"

ROLE_PERMISSIONS = {
    roles.TRAINER: [ORGANISE, *_PAGES, *_MANAGE, *_READ],
    roles.ADMIN: [ORGANISE, *_PAGES, *_MANAGE, *_READ],
}
