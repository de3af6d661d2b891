"""Learning content published by trainers in Wagtail: courses and their lessons, case
scenarios with branching role play, and policy updates.

Records of who learned what (assignments, progress, acknowledgements, hours) build on
these pages.
"""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, HelpPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from home.blocks import BaseStreamBlock

from ..blocks import CheckQuestionBlock, LessonStreamBlock, ScenarioStepsBlock, role_play_errors


class Category(models.TextChoices):
    SERVICE_AWARENESS = "service_awareness", _("Service awareness")
    ETIQUETTE = "etiquette", _("Service etiquette")
    BUSINESS_SKILLS = "business_skills", _("Business skills")
    POLICY = "policy", _("Policies and regulations")
    EMERGENCY = "emergency", _("Emergency handling")


class Delivery(models.TextChoices):
    ONLINE = "online", _("Online")
    OFFLINE = "offline", _("Offline")


class CourseIndexPage(Page):
    """学习中心: the library of courses and case scenarios (logged-in staff only)."""

    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link", "ul"])

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["home.HomePage"]
    subpage_types = ["courses.CoursePage", "courses.CaseScenarioPage"]
    max_count = 1

    class Meta:
        verbose_name = _("learning centre")
        verbose_name_plural = _("learning centres")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        children = self.get_children().live().specific().order_by("-first_published_at")
        context["courses"] = [c for c in children if isinstance(c, CoursePage)]
        context["scenarios"] = [c for c in children if isinstance(c, CaseScenarioPage)]
        return context


class CoursePage(Page):
    """A course: lessons below it, hours credited on completion."""

    summary = models.TextField(_("summary"), max_length=500)
    cover = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("cover image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    category = models.CharField(_("category"), max_length=30, choices=Category.choices)
    target_posts = ParentalManyToManyField(
        "people.Post",
        verbose_name=_("target posts"),
        blank=True,
        help_text=_("Posts this course is meant for; empty means every post."),
    )
    hours = models.DecimalField(
        _("training hours"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("1.0"),
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("99.9"))],
        help_text=_("学时 credited when the course is completed on time."),
    )
    delivery = models.CharField(_("delivery"), max_length=10, choices=Delivery.choices, default=Delivery.ONLINE)
    pass_percent = models.PositiveSmallIntegerField(
        _("pass mark (%)"),
        default=80,
        validators=[MaxValueValidator(100)],
        help_text=_("Every lesson must be completed and the knowledge checks answered at least this well."),
    )

    search_fields = Page.search_fields + [index.SearchField("summary")]
    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("cover"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("category"), FieldPanel("delivery")]),
                FieldRowPanel([FieldPanel("hours"), FieldPanel("pass_percent")]),
                FieldPanel("target_posts", widget=forms.CheckboxSelectMultiple),
            ],
            heading=_("Course settings"),
        ),
    ]
    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.LessonPage"]

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def lessons(self):
        return LessonPage.objects.child_of(self).live().order_by("path")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["lessons"] = self.lessons()
        return context


class LessonPage(Page):
    body = StreamField(LessonStreamBlock(), verbose_name=_("body"))
    minutes = models.PositiveSmallIntegerField(_("minutes to read"), default=10)

    search_fields = Page.search_fields + [index.SearchField("body")]
    content_panels = Page.content_panels + [FieldPanel("minutes"), FieldPanel("body")]
    parent_page_types = ["courses.CoursePage"]
    subpage_types = []

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")

    def course(self):
        return self.get_parent().specific

    def knowledge_questions(self):
        """Every question of the lesson's knowledge checks, in order."""
        return [
            question
            for block in self.body
            if block.block_type == "knowledge_check"
            for question in block.value["questions"]
        ]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        siblings = list(LessonPage.objects.sibling_of(self).live().order_by("path"))
        index_of = siblings.index(self) if self in siblings else 0
        context["previous_lesson"] = siblings[index_of - 1] if index_of > 0 else None
        context["next_lesson"] = siblings[index_of + 1] if index_of + 1 < len(siblings) else None
        context["course"] = self.course()
        return context


class CaseScenarioPage(Page):
    """A case (背景、经过、分析) and an optional branching role play (情景模拟)."""

    category = models.CharField(_("category"), max_length=30, choices=Category.choices)
    background = RichTextField(_("background"))
    what_happened = RichTextField(_("what happened"))
    analysis = RichTextField(_("analysis"))
    steps = StreamField(ScenarioStepsBlock(), verbose_name=_("role play"), blank=True)
    hours = models.DecimalField(
        _("training hours"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("0.5"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("99.9"))],
    )

    search_fields = Page.search_fields + [
        index.SearchField("background"),
        index.SearchField("what_happened"),
        index.SearchField("analysis"),
    ]
    content_panels = Page.content_panels + [
        FieldRowPanel([FieldPanel("category"), FieldPanel("hours")]),
        FieldPanel("background"),
        FieldPanel("what_happened"),
        FieldPanel("analysis"),
        HelpPanel(
            content=_(
                "Role play: the first step is where it starts. Each choice either names the key "
                "of the next step, or ends the play with a score (0–100) and your feedback."
            )
        ),
        FieldPanel("steps"),
    ]
    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("case scenario")
        verbose_name_plural = _("case scenarios")

    def clean(self):
        super().clean()
        errors = role_play_errors([step.value for step in self.steps])
        if errors:
            raise ValidationError({"steps": errors})

    def step_map(self):
        return {step.value["key"]: step.value for step in self.steps}

    def first_step(self):
        return self.steps[0].value if self.steps else None


class PolicyIndexPage(Page):
    """政策更新: the list of policy updates, newest first."""

    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["home.HomePage"]
    subpage_types = ["courses.PolicyUpdatePage"]
    max_count = 1

    class Meta:
        verbose_name = _("policy update index")
        verbose_name_plural = _("policy update indexes")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["updates"] = PolicyUpdatePage.objects.child_of(self).live().order_by("-effective_date")
        return context


class PolicyUpdatePage(Page):
    """A new or changed policy every window must know, acknowledged by each person."""

    effective_date = models.DateField(_("effective date"))
    summary = models.TextField(_("summary"), max_length=500)
    body = StreamField(BaseStreamBlock(), verbose_name=_("body"))
    acknowledge_within_days = models.PositiveSmallIntegerField(
        _("acknowledge within (days)"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=_("Staff must acknowledge within this many days of being asked."),
    )
    check_questions = StreamField(
        [("question", CheckQuestionBlock())],
        verbose_name=_("check before acknowledging"),
        blank=True,
        max_num=3,
        help_text=_("Optional: 2–3 questions that must be answered correctly to acknowledge."),
    )
    acknowledgement_round = models.PositiveIntegerField(
        _("acknowledgement round"),
        default=1,
        help_text=_(
            "Raise by one when a revision changes the substance: everyone is asked to "
            "acknowledge again. Leave it for corrections of wording."
        ),
    )

    search_fields = Page.search_fields + [index.SearchField("summary"), index.SearchField("body")]
    content_panels = Page.content_panels + [
        FieldRowPanel([FieldPanel("effective_date"), FieldPanel("acknowledge_within_days")]),
        FieldPanel("summary"),
        FieldPanel("body"),
        FieldPanel("check_questions"),
        FieldPanel("acknowledgement_round"),
    ]
    parent_page_types = ["courses.PolicyIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("policy update")
        verbose_name_plural = _("policy updates")
