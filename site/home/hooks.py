"""Names of the hooks through which the base calls the apps built on it.

The base (home, people) never imports the apps above it; an app registers a function
under one of these names in its `wagtail_hooks.py` (`@hooks.register(NAME)`), as Wagtail's
own apps do, and the base calls whatever is registered.
"""

# fn(tally) -> list of demo accounts it added, or None: adds the app's part of the demo
# (`load_initial_data`). Registered with `@hooks.register(DEMO_LOADER_HOOK, order=N)`:
# later parts build on earlier ones (people 0, courses 10, exams 20, competitions 30,
# records 40).
DEMO_LOADER_HOOK = "register_demo_loader"

# fn(*, period) -> None: brings an app's inputs of a month up to date before the monthly
# evaluation reads them (e.g. exams close the attempts whose time ran out).
BEFORE_EVALUATION_COMPUTE_HOOK = "before_evaluation_compute"

# The exam engine as other apps use it (a competition's knowledge round held online).
# Registered by the exams app; the competitions app calls them without importing exams.
# fn(*, exam_id, staff_ids) -> int: makes exactly these people the exam's individual
# candidates (besides any centre, post or vendor audience); returns how many were added.
EXAM_CANDIDATES_HOOK = "exam_candidates"
# fn(*, exam_id, staff_ids) -> {staff_id: Decimal percent}: each person's counting graded
# attempt under the exam's own rule (highest or last); people without one are absent.
EXAM_SCORES_HOOK = "exam_scores"
