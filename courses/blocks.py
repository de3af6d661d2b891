"""StreamField blocks of learning content: lesson bodies, knowledge checks, role-play steps."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.documents.blocks import DocumentChooserBlock

from home.blocks import BaseStreamBlock


class CheckChoiceBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("answer"))
    correct = blocks.BooleanBlock(required=False, label=_("correct"))

    class Meta:
        label = _("Answer")


class CheckQuestionBlock(blocks.StructBlock):
    """A question with one or more correct answers and an explanation shown after answering."""

    question = blocks.CharBlock(label=_("question"))
    choices = blocks.ListBlock(CheckChoiceBlock(), min_num=2, max_num=6, label=_("answers"))
    explanation = blocks.TextBlock(required=False, label=_("explanation"))

    class Meta:
        icon = "help"
        label = _("Question")

    def clean(self, value):
        value = super().clean(value)
        if not any(choice["correct"] for choice in value["choices"]):
            raise StructBlockValidationError(
                block_errors={"choices": ValidationError(_("Mark at least one answer as correct."))}
            )
        return value


class KnowledgeCheckBlock(blocks.StructBlock):
    """A few questions with instant feedback inside a lesson."""

    title = blocks.CharBlock(required=False, default=_("Knowledge check"), label=_("title"))
    questions = blocks.ListBlock(CheckQuestionBlock(), min_num=1, max_num=10, label=_("questions"))

    class Meta:
        icon = "tick-inverse"
        label = _("Knowledge check")
        template = "courses/blocks/knowledge_check_block.html"


class VideoBlock(blocks.StructBlock):
    """A video file uploaded to the document library (intranets cannot reach video sites)."""

    title = blocks.CharBlock(required=False, label=_("title"))
    video = DocumentChooserBlock(label=_("video file"), help_text=_("An .mp4 or .webm file."))

    class Meta:
        icon = "media"
        label = _("Video file")
        template = "courses/blocks/video_block.html"


class LessonStreamBlock(BaseStreamBlock):
    video = VideoBlock()
    knowledge_check = KnowledgeCheckBlock()


class ScenarioChoiceBlock(blocks.StructBlock):
    """A choice in a role-play step: it leads to another step, or ends the play."""

    text = blocks.CharBlock(label=_("what the staff member does or says"))
    next_step = blocks.CharBlock(
        required=False,
        label=_("next step"),
        help_text=_("The key of the step this choice leads to. Leave empty to end the role play here."),
    )
    score = blocks.IntegerBlock(
        required=False, min_value=0, max_value=100, label=_("score (ending only)")
    )
    feedback = blocks.TextBlock(required=False, label=_("trainer's feedback"))

    class Meta:
        label = _("Choice")


class ScenarioStepBlock(blocks.StructBlock):
    key = blocks.RegexBlock(
        regex=r"^[a-z0-9-]+$",
        error_messages={"invalid": _("Use lower-case letters, digits and hyphens.")},
        label=_("key"),
        help_text=_("A short name other steps refer to, e.g. start, apologise, explain."),
    )
    title = blocks.CharBlock(label=_("title"))
    situation = blocks.TextBlock(label=_("situation"), help_text=_("What happens at the window at this point."))
    choices = blocks.ListBlock(ScenarioChoiceBlock(), min_num=1, max_num=5, label=_("choices"))

    class Meta:
        icon = "list-ol"
        label = _("Step")


class ScenarioStepsBlock(blocks.StreamBlock):
    step = ScenarioStepBlock()


def role_play_errors(steps):
    """What is wrong with a role play's graph of steps, as messages (empty when it is sound).

    Every choice must lead to an existing step or end with a score; every step must be
    reachable from the first; no path may loop, so every path ends.
    """
    errors = []
    keys = [step["key"] for step in steps]
    if not steps:
        return errors
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        errors.append(_("Step keys must be unique: %(keys)s.") % {"keys": "、".join(duplicates)})
    known = set(keys)
    edges = {}
    for step in steps:
        targets = []
        for choice in step["choices"]:
            target = (choice.get("next_step") or "").strip()
            if target:
                if target not in known:
                    errors.append(
                        _("Step %(step)s: the choice “%(choice)s” leads to a step %(target)s that does not exist.")
                        % {"step": step["key"], "choice": choice["text"], "target": target}
                    )
                else:
                    targets.append(target)
            elif choice.get("score") is None:
                errors.append(
                    _("Step %(step)s: the choice “%(choice)s” ends the role play and needs a score.")
                    % {"step": step["key"], "choice": choice["text"]}
                )
        edges[step["key"]] = targets
    if errors:
        return errors

    # Depth-first from the first step: find loops and unreachable steps.
    state = {}  # key -> "open" while on the current path, "done" after

    def visit(key, path):
        state[key] = "open"
        for target in edges[key]:
            if state.get(target) == "open":
                errors.append(
                    _("The steps %(path)s go round in a loop: every path must end.")
                    % {"path": " → ".join([*path, key, target])}
                )
            elif target not in state:
                visit(target, [*path, key])
        state[key] = "done"

    visit(keys[0], [])
    unreachable = [key for key in keys if key not in state]
    if unreachable:
        errors.append(
            _("No choice leads to these steps: %(keys)s.") % {"keys": "、".join(unreachable)}
        )
    return errors
