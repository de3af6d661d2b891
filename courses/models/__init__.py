"""Learning: pages trainers publish (pages.py) and records of who learned what (records.py)."""

from .pages import (  # noqa: F401
    CaseScenarioPage,
    Category,
    CourseIndexPage,
    CoursePage,
    Delivery,
    LessonPage,
    PolicyIndexPage,
    PolicyUpdatePage,
)
from .records import (  # noqa: F401
    Acknowledgement,
    Assignment,
    AssignmentRecipient,
    Certificate,
    CourseFeedback,
    Enrolment,
    ItemKind,
    LessonCompletion,
    ScenarioRun,
    TrainingRecord,
)
