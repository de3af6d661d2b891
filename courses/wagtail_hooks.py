from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from home.hooks import DEMO_LOADER_HOOK
from home.imports import SPREADSHEET_IMPORT_HOOK
from people.portal import PORTAL_SECTION_HOOK, PortalSection

from .imports import TRAINING_IMPORT
from .viewsets import (
    LEARNING_ADMIN_MENU_HOOK,
    LearningAdminViewSetGroup,
    learning_help_menu_item,
    training_import_menu_item,
)


@hooks.register(PORTAL_SECTION_HOOK)
def learning_portal_section(request):
    return PortalSection(
        key="learning",
        title=_("My learning"),
        description=_("Assigned courses, case scenarios and policy updates"),
        icon="学",
        url_name="courses:my_learning",
        order=10,
    )


# --- 学习管理 (trainers' admin) -------------------------------------------------------------


@hooks.register("register_admin_viewset")
def register_learning_admin_viewsets():
    return LearningAdminViewSetGroup()


hooks.register(LEARNING_ADMIN_MENU_HOOK, training_import_menu_item)
hooks.register(LEARNING_ADMIN_MENU_HOOK, learning_help_menu_item)


@hooks.register(SPREADSHEET_IMPORT_HOOK)
def register_training_import():
    return TRAINING_IMPORT


@hooks.register("before_serve_page")
def enrol_on_first_visit(page, request, serve_args, serve_kwargs):
    """Opening a course enrols the person (a write, so here rather than in the template)."""
    from .models import CoursePage
    from .templatetags.learning import learner

    if request.method != "GET" or not isinstance(page, CoursePage):
        return None
    staff = learner({"request": request})  # cached on the request for the template tags
    if staff is not None:
        from .services import enrolment_start

        enrolment_start(staff=staff, course=page)
    return None


@hooks.register(DEMO_LOADER_HOOK, order=10)
def load_learning_demo(tally):
    from .demo import load_learning_content
    from .demo_admin import load_learning_admin

    load_learning_content(tally)
    return load_learning_admin(tally)
