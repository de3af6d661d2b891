"""Demo learning content for `python manage.py load_initial_data` (see `home.demo`).

学习中心 (login only) with six courses and their lessons, three case scenarios with a
branching role play, and 政策更新 with two policy updates, all in Chinese and drawn from
the seed documents' themes.

Idempotent: every page is keyed on its slug under its parent. A page that already
exists is left exactly as it is (a trainer may have edited it in the CMS), so a second
run creates nothing and publishes no new revision. Missing pages are created and
published without a user.
"""

import datetime
from decimal import Decimal

from wagtail.models import Page

from home.demo import CREATED, UNCHANGED, _label
from home.models import HomePage
from people.models import Post

from .demo_content import COURSES, LEARNING_INTRO, POLICIES, POLICIES_INTRO, SCENARIOS
from .demo_content.blocks import stream
from .models import (
    CaseScenarioPage,
    CoursePage,
    Delivery,
    LessonPage,
    PolicyUpdatePage,
)
from .services import learning_sections_ensure


def _children_by_slug(parent):
    return {page.slug: page for page in Page.objects.child_of(parent).specific()}


def _publish_child(parent, page, tally):
    parent.add_child(instance=page)
    page.save_revision().publish()
    tally.add(_label(type(page)), CREATED)
    return page


def _publish_missing(parent, model, specs, existing, tally, build):
    """Publish `build(spec)` under `parent` for each spec whose slug is not there yet;
    pages that exist are left exactly as they are (an editor's changes survive)."""
    for spec in specs:
        if spec["slug"] in existing:
            tally.add(_label(model), UNCHANGED)
        else:
            _publish_child(parent, build(spec), tally)


def _set_intro(page, intro):
    """Give a freshly made section page its demo introduction (an editor's text is kept)."""
    if not page.intro:
        page.intro = intro
        page.save_revision().publish()


def load_learning_content(tally):
    """学习中心 with courses and case scenarios, and 政策更新 with policy updates."""
    home = HomePage.objects.first()
    if home is None:
        return

    learning, policies = learning_sections_ensure(home=home)
    _set_intro(learning, LEARNING_INTRO)
    _set_intro(policies, POLICIES_INTRO)

    load_courses(learning, tally)
    load_scenarios(learning, tally)
    load_policy_updates(policies, tally)
    load_demo_learning(tally)


def load_courses(learning, tally, courses=COURSES):
    posts = {post.name: post for post in Post.objects.all()}
    existing = _children_by_slug(learning)
    for spec in courses:
        course = existing.get(spec["slug"])
        if course is None:
            course = CoursePage(
                slug=spec["slug"],
                title=spec["title"],
                summary=spec["summary"],
                category=spec["category"],
                hours=spec["hours"],
                delivery=spec["delivery"],
            )
            course.target_posts = [posts[name] for name in spec["posts"] if name in posts]
            _publish_child(learning, course, tally)
            lessons = {}
        else:
            tally.add(_label(CoursePage), UNCHANGED)
            lessons = _children_by_slug(course)
        _publish_missing(
            course,
            LessonPage,
            spec["lessons"],
            lessons,
            tally,
            lambda lesson_spec, course_slug=spec["slug"]: LessonPage(
                slug=lesson_spec["slug"],
                title=lesson_spec["title"],
                minutes=lesson_spec["minutes"],
                body=stream(f"{course_slug}/{lesson_spec['slug']}", lesson_spec["body"]),
            ),
        )


def load_scenarios(learning, tally, scenarios=SCENARIOS):
    _publish_missing(
        learning,
        CaseScenarioPage,
        scenarios,
        _children_by_slug(learning),
        tally,
        lambda spec: CaseScenarioPage(
            slug=spec["slug"],
            title=spec["title"],
            category=spec["category"],
            hours=spec["hours"],
            background=spec["background"],
            what_happened=spec["what_happened"],
            analysis=spec["analysis"],
            steps=stream(f"scenario/{spec['slug']}", [("step", value) for value in spec["steps"]]),
        ),
    )


def load_policy_updates(policies, tally, updates=POLICIES):
    _publish_missing(
        policies,
        PolicyUpdatePage,
        updates,
        _children_by_slug(policies),
        tally,
        lambda spec: PolicyUpdatePage(
            slug=spec["slug"],
            title=spec["title"],
            effective_date=spec["effective_date"],
            summary=spec["summary"],
            acknowledge_within_days=spec["acknowledge_within_days"],
            body=stream(f"policy/{spec['slug']}", spec["body"]),
            check_questions=stream(f"policy/{spec['slug']}/check", [("question", q) for q in spec["questions"]]),
        ),
    )


# ---------------------------------------------------------------------------
# Assignments and progress of the demo staff member (`staff`, 城东)
# ---------------------------------------------------------------------------

DEMO_STAFF_USERNAME = "staff"
DEMO_CENTRE_CODE = "cd"

# (page slug, audience, due in days from the first load, mandatory). The audience is the
# demo staff member's centre or the demo staff member alone.
DEMO_ASSIGNMENTS = [
    ("window-etiquette", "centre", 10, True),
    ("service-awareness", "centre", 14, True),
    ("one-time-notice-first-inquiry", "individual", -3, True),
    ("good-bad-review-system", "centre", 20, True),
    ("upset-citizens", "centre", 30, False),
    ("incomplete-documents", "centre", 5, True),
    ("threat-of-bad-review", "individual", 7, True),
    ("good-bad-review-rules-2026", "centre", 3, True),
    ("attendance-and-extended-service-2026", "centre", 6, True),
]
# Progress so that 我的学习 shows every state: a course done (hours and a certificate),
# one half done, a role play played once, offline hours from a spreadsheet import.
DEMO_COMPLETED_COURSE = "good-bad-review-system"
DEMO_STARTED_COURSE = "service-awareness"
DEMO_PLAYED_SCENARIO = "threat-of-bad-review"
DEMO_OFFLINE_TRAINING = {"title": "岗前集中培训（线下）", "hours": Decimal("8.0"), "key": "demo:offline-induction"}


def _right_answers(questions):
    return [[i for i, choice in enumerate(q["choices"], start=1) if choice["correct"]] for q in questions]


def load_demo_learning(tally):
    """Assignments for the demo staff member (and their centre), with some progress and due
    dates relative to the first load. Idempotent: an item that already has a demo assignment
    (one made without a user) is left alone, and progress is only ever added once."""
    from django.utils import timezone
    from wagtail.models import Page as WagtailPage

    from people.models import ServiceCentre, StaffProfile

    from . import services
    from .models import Assignment, CaseScenarioPage, ScenarioRun, TrainingRecord

    staff = StaffProfile.objects.select_related("user").filter(user__username=DEMO_STAFF_USERNAME).first()
    centre = ServiceCentre.objects.filter(code=DEMO_CENTRE_CODE).first()
    if staff is None or centre is None:
        return
    today = timezone.localdate()
    pages = {page.slug: page for page in WagtailPage.objects.filter(slug__in=[a[0] for a in DEMO_ASSIGNMENTS]).specific()}
    assigned = set(
        Assignment.objects.filter(page__in=pages.values(), created_by__isnull=True).values_list("page_id", flat=True)
    )
    for slug, audience, due_in, mandatory in DEMO_ASSIGNMENTS:
        page = pages.get(slug)
        if page is None:
            continue
        if page.pk in assigned:
            tally.add(_label(Assignment), UNCHANGED)
            continue
        services.assignment_create(
            page=page,
            due_date=today + datetime.timedelta(days=due_in),
            created_by=None,
            centres=[centre] if audience == "centre" else [],
            individuals=[staff] if audience == "individual" else [],
            mandatory=mandatory,
        )
        tally.add(_label(Assignment), CREATED)

    for slug, lesson_count in ((DEMO_COMPLETED_COURSE, None), (DEMO_STARTED_COURSE, 1)):
        course = pages.get(slug)
        if course is None:
            continue
        lessons = list(course.lessons())[:lesson_count]
        for lesson in lessons:
            services.lesson_submit(staff=staff, lesson=lesson, answers=_right_answers(lesson.knowledge_questions()))

    scenario = pages.get(DEMO_PLAYED_SCENARIO)
    if isinstance(scenario, CaseScenarioPage) and scenario.steps and not ScenarioRun.objects.filter(staff=staff, scenario=scenario).exists():
        services.scenario_run_record(staff=staff, scenario=scenario, choices=[1] * _steps_to_an_ending(scenario))

    offline_date = max(today - datetime.timedelta(days=30), today.replace(month=1, day=1))
    TrainingRecord.objects.get_or_create(
        staff=staff,
        source_key=DEMO_OFFLINE_TRAINING["key"],
        defaults={
            "title": DEMO_OFFLINE_TRAINING["title"],
            "date": offline_date,
            "hours": DEMO_OFFLINE_TRAINING["hours"],
            "mode": Delivery.OFFLINE,
            "source": TrainingRecord.Source.IMPORT,
        },
    )


def _steps_to_an_ending(scenario):
    """How many first choices it takes to reach an ending (the demo's played path)."""
    steps, step, count = scenario.step_map(), scenario.first_step(), 0
    while step is not None and count < 20:
        count += 1
        target = (step["choices"][0].get("next_step") or "").strip()
        step = steps.get(target) if target else None
    return count
