"""Reads of the learning app, by subject: set-based, a fixed number of queries whatever the size."""

from .content import courses_with_lesson_counts, latest_policy_updates, lesson_position
from .portal import (
    certificate_by_code,
    course_completed,
    course_progress,
    lesson_completion,
    pending_acknowledgement_count,
    policy_status,
    scenario_status,
    staff_certificates,
    staff_hours_this_year,
    staff_learning_items,
)
from .records import learning_due_and_on_time, training_hours_by_staff
from .reminders import new_assignment_rows, reminder_rows
from .reports import (
    assignment_recipient_list,
    assignments_with_progress,
    audience_outside_posts,
    audience_staff,
    completion_by,
    completion_detail,
    feedback_by_course,
    feedback_comments,
    policy_acknowledgement_coverage,
    policy_not_acknowledged,
)

__all__ = [
    "assignment_recipient_list",
    "assignments_with_progress",
    "audience_outside_posts",
    "audience_staff",
    "certificate_by_code",
    "completion_by",
    "completion_detail",
    "course_completed",
    "course_progress",
    "courses_with_lesson_counts",
    "feedback_by_course",
    "feedback_comments",
    "latest_policy_updates",
    "learning_due_and_on_time",
    "lesson_completion",
    "lesson_position",
    "new_assignment_rows",
    "pending_acknowledgement_count",
    "policy_acknowledgement_coverage",
    "policy_not_acknowledged",
    "policy_status",
    "reminder_rows",
    "scenario_status",
    "staff_certificates",
    "staff_hours_this_year",
    "staff_learning_items",
    "training_hours_by_staff",
]
