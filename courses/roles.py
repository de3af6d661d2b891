"""What each role may do with the learning app's records (merged into people.roles by
`role_permissions`; the courses roles migration syncs them).

Trainers manage assignments and import offline training; HR and supervisors see
assignments and the learning reports (the reports need ``courses.view_assignment``).
Pages are not here: page permissions live on the learning sections
(services.learning_sections_ensure), and approving content is the 培训审核 group's
(services.learning_moderation_ensure).
"""

from people import roles

_VIEW = ["courses.view_assignment", "courses.view_trainingrecord"]
_MANAGE_ASSIGNMENTS = ["courses.add_assignment", "courses.change_assignment"]
_IMPORT_TRAINING = ["courses.add_trainingrecord", "courses.change_trainingrecord"]

ROLE_PERMISSIONS = {
    roles.TRAINER: _VIEW + _MANAGE_ASSIGNMENTS + _IMPORT_TRAINING,
    roles.HR: _VIEW + _IMPORT_TRAINING,
    roles.SUPERVISOR: _VIEW,
    roles.ADMIN: _VIEW + _MANAGE_ASSIGNMENTS + _IMPORT_TRAINING + ["courses.delete_assignment"],
}

# The permission that opens the trainer reports (and their exports).
REPORTS_PERMISSION = "courses.view_assignment"
TRAINING_IMPORT_PERMISSION = "courses.add_trainingrecord"
