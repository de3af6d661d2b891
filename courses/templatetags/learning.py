"""Template tags of the learning pages (courses, lessons, case scenarios, policy updates).

    {% load learning %}
    {% latest_policy_updates 3 as updates %}   the newest live policy updates (one query)
    {% course_cards courses as cards %}        courses with lesson_count and prefetched covers
    {% lesson_position page as position %}     position.number / position.total (one query)
    {% role_play_data page as data %}          the role play as plain data for json_script
    {% check_questions page.check_questions as check %}  policy questions as a knowledge check
    {% unique_prefix "kc" as prefix %}         a per-request unique id prefix for form fields

Reads come from courses.selectors; the tags only adapt them to templates.
"""

import itertools
import uuid

from django import template

from courses import selectors

register = template.Library()

@register.simple_tag
def latest_policy_updates(count=3):
    return selectors.latest_policy_updates(count)


@register.simple_tag
def course_cards(courses):
    return selectors.courses_with_lesson_counts(courses)


@register.simple_tag
def lesson_position(lesson):
    return selectors.lesson_position(lesson)


@register.filter
def total_minutes(lessons):
    return sum(lesson.minutes or 0 for lesson in lessons)


def _choice_data(choice):
    next_step = (choice.get("next_step") or "").strip()
    return {
        "text": choice.get("text") or "",
        "next": next_step or None,
        "score": choice.get("score") if not next_step else None,
        "feedback": choice.get("feedback") or "",
    }


@register.simple_tag
def role_play_data(page):
    """The role play as plain JSON-able data: {"first": key, "steps": {key: step}, "order": [keys]}."""
    steps = [child.value for child in getattr(page, "steps", None) or []]
    data = {"first": steps[0]["key"] if steps else None, "order": [], "steps": {}}
    for step in steps:
        data["order"].append(step["key"])
        data["steps"][step["key"]] = {
            "key": step["key"],
            "title": step["title"],
            "situation": step["situation"],
            "choices": [_choice_data(choice) for choice in step["choices"]],
        }
    return data


@register.simple_tag
def step_titles(page):
    """{key: title} of a scenario's steps (for the no-script list of steps)."""
    return {child.value["key"]: child.value["title"] for child in getattr(page, "steps", None) or []}


@register.filter
def get_item(mapping, key):
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.simple_tag
def check_questions(stream, title=""):
    """A policy update's check questions shaped like a knowledge-check block's value."""
    return {"title": title, "questions": [child.value for child in stream or []]}


@register.simple_tag(takes_context=True)
def unique_prefix(context, base="kc"):
    """A prefix for ids and radio names, unique within the request (stable between renders
    of the same page, so the markup can be tested)."""
    request = context.get("request")
    if request is None:
        return f"{base}-{uuid.uuid4().hex[:8]}"
    counter = getattr(request, "_learning_id_counter", None)
    if counter is None:
        counter = itertools.count(1)
        request._learning_id_counter = counter
    return f"{base}-{next(counter)}"


@register.filter
def is_multiple(question):
    """True when a check question has more than one correct answer (checkboxes)."""
    return sum(1 for choice in question["choices"] if choice["correct"]) > 1


# --- the person's own progress on the learning pages ------------------------------------
#     {% learner as staff %}                               the request's staff profile or None
#     {% course_progress staff page lessons as progress %}
#     {% lesson_status staff page as done %}   {% policy_status staff page as ack %}
#     {% scenario_status staff page as runs %}
# Each reads through courses.selectors with a fixed number of queries.


@register.simple_tag(takes_context=True)
def learner(context):
    """The logged-in person's active staff profile (cached for the request), or None."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    if not hasattr(request, "_learning_staff"):
        from people.selectors import staff_profile_for

        profile = staff_profile_for(user)
        request._learning_staff = profile if profile is not None and profile.active else None
    return request._learning_staff


@register.simple_tag
def course_progress(staff, course, lessons):
    if staff is None:
        return None
    return selectors.course_progress(staff=staff, course=course, lessons=lessons)


@register.simple_tag
def lesson_status(staff, lesson):
    return selectors.lesson_completion(staff=staff, lesson=lesson) if staff is not None else None


@register.simple_tag
def policy_status(staff, policy):
    return selectors.policy_status(staff=staff, policy=policy) if staff is not None else None


@register.simple_tag
def scenario_status(staff, scenario):
    return selectors.scenario_status(staff=staff, scenario=scenario) if staff is not None else None


@register.filter
def in_set(value, collection):
    return value in (collection or ())
