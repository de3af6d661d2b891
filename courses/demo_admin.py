"""The trainers' side of the demo (`load_initial_data`, after the learning content).

`trainer` is a plain trainer: writes and submits for moderation. `trainer_lead` is a senior
trainer (培训师 and 培训审核): approves and publishes. Both use the demo password.
Idempotent, like the rest of the demo.
"""

from django.contrib.auth.models import Group

from home.demo import DemoAccount, _ensure_groups, _sync_user, _users_by_username
from home.models import HomePage
from people import roles

from .services import SENIOR_TRAINER_GROUP, learning_sections_ensure

SENIOR_TRAINER = ("trainer_lead", "培训主管李老师")


def load_learning_admin(tally):
    """The senior trainer's account and the moderation workflow on the learning sections.
    Returns the demo accounts to print."""
    home = HomePage.objects.first()
    if home is not None:
        learning_sections_ensure(home=home)  # also attaches the 培训内容审核 workflow
    seniors, _created = Group.objects.get_or_create(name=SENIOR_TRAINER_GROUP)
    trainers = Group.objects.get(name=roles.TRAINER)
    username, name = SENIOR_TRAINER
    user = _sync_user(_users_by_username([username]).get(username), username=username, name=name, tally=tally)
    _ensure_groups({user: [trainers, seniors]}, tally)
    return [DemoAccount(username, name, [roles.TRAINER, SENIOR_TRAINER_GROUP], "审核并发布学习内容")]
