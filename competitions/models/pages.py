"""The public side of a competition: an index page and one page per competition
(announcement, rules and, once published, the frozen results)."""

import hashlib
import json
from decimal import Decimal

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import Page

from .. import scoring

CODE_VALIDATOR = RegexValidator(r"^[A-Za-z0-9_-]+$", _("Use letters, digits, - and _."))
RICH_FEATURES = ["h3", "bold", "italic", "link", "ol", "ul"]


class ScoringMode(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    TEAM = "team", _("Team")


class CompetitionIndexPage(Page):
    """技能竞赛: the list of competitions."""

    intro = RichTextField(_("introduction"), blank=True, features=RICH_FEATURES)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["home.HomePage"]
    subpage_types = ["competitions.CompetitionPage"]
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["competitions"] = (
            CompetitionPage.objects.child_of(self).live().order_by("-year", "-first_published_at")
        )
        return context

    class Meta:
        verbose_name = _("competitions index")
        verbose_name_plural = _("competitions indexes")


class CompetitionPage(RoutablePageMixin, Page):
    """A skills competition. Its title is the competition's name; `code` is its key in
    workbooks and commands."""

    code = models.CharField(_("code"), max_length=30, unique=True, validators=[CODE_VALIDATOR])
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000)])
    scoring_mode = models.CharField(
        _("scoring mode"), max_length=10, choices=ScoringMode.choices, default=ScoringMode.INDIVIDUAL
    )
    announcement = RichTextField(_("announcement"), blank=True, features=RICH_FEATURES)
    rules = RichTextField(_("rules"), blank=True, features=RICH_FEATURES)
    first_prizes = models.PositiveSmallIntegerField(_("first prizes"), default=scoring.DEFAULT_AWARD_COUNTS[0])
    second_prizes = models.PositiveSmallIntegerField(_("second prizes"), default=scoring.DEFAULT_AWARD_COUNTS[1])
    third_prizes = models.PositiveSmallIntegerField(_("third prizes"), default=scoring.DEFAULT_AWARD_COUNTS[2])
    first_bonus = models.DecimalField(
        _("first prize bonus points"), max_digits=4, decimal_places=2, default=scoring.DEFAULT_AWARD_BONUS[0],
        validators=[MinValueValidator(Decimal("0"))],
    )
    second_bonus = models.DecimalField(
        _("second prize bonus points"), max_digits=4, decimal_places=2, default=scoring.DEFAULT_AWARD_BONUS[1],
        validators=[MinValueValidator(Decimal("0"))],
    )
    third_bonus = models.DecimalField(
        _("third prize bonus points"), max_digits=4, decimal_places=2, default=scoring.DEFAULT_AWARD_BONUS[2],
        validators=[MinValueValidator(Decimal("0"))],
    )
    spread_limit = models.DecimalField(
        _("spread alert above (points)"), max_digits=5, decimal_places=2, default=scoring.SPREAD_LIMIT,
        validators=[MinValueValidator(Decimal("0"))],
    )
    published_at = models.DateTimeField(_("results published at"), null=True, blank=True, editable=False)

    content_panels = Page.content_panels + [
        FieldRowPanel([FieldPanel("code"), FieldPanel("year"), FieldPanel("scoring_mode")]),
        FieldPanel("announcement"),
        FieldPanel("rules"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("first_prizes"), FieldPanel("second_prizes"), FieldPanel("third_prizes")]),
                FieldRowPanel([FieldPanel("first_bonus"), FieldPanel("second_bonus"), FieldPanel("third_bonus")]),
                FieldPanel("spread_limit"),
            ],
            heading=_("Awards and alerts"),
        ),
    ]
    parent_page_types = ["competitions.CompetitionIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("competition")
        verbose_name_plural = _("competitions")
        permissions = [("organise_competition", _("Can organise competitions (竞赛组织)"))]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(first_bonus__gte=0, second_bonus__gte=0, third_bonus__gte=0),
                name="competitions_bonus_not_negative",
            ),
        ]

    @property
    def name(self):
        return self.title

    @property
    def is_team(self):
        return self.scoring_mode == ScoringMode.TEAM

    def award_rule(self):
        return scoring.AwardRule(
            counts=(self.first_prizes, self.second_prizes, self.third_prizes),
            bonus=(self.first_bonus, self.second_bonus, self.third_bonus),
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        from ..selectors import published_snapshot

        # The public page shows only the frozen, published standings, never live scores.
        context["snapshot"] = published_snapshot(competition=self)
        return context

    @path("screen/", name="big_screen")
    def big_screen(self, request):
        """大屏: the published standings full screen, for a projector in the hall. Never the live
        standings: before publication (or after a reopen) it says so. Public like the page."""
        context = {"page": self, "self": self, "request": request, **big_screen_context(self)}
        response = TemplateResponse(request, "competitions/big_screen.html", context)
        # The screen polls itself for a new publication: no cached copy may hide one.
        add_never_cache_headers(response)
        return response

    @property
    def big_screen_url(self):
        return self.url + self.reverse_subpage("big_screen").lstrip("/") if self.url else None


def big_screen_context(competition):
    """What the big screen shows, taken from the published snapshot only and only the fields
    the public page shows (names, never 工号 or staff ids). One query."""
    from ..selectors import published_snapshot

    data = published_snapshot(competition=competition)
    # Fingerprint of what is on screen: the page reloads itself only when it changes.
    version = hashlib.sha256(
        json.dumps([competition.title, competition.year, data], sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()[:16]
    if data is None:
        return {"snapshot": None, "screen_version": version}
    codes = [r["code"] for r in data["rounds"]]
    rows = [
        {
            "rank": row["rank"],
            "entrant": row["label"] if data["team"] else row["name"],
            "members": row["name"] if data["team"] else "",
            "remark": row["remark"],
            "cells": [row["rounds"].get(code) for code in codes],
            "total": row["total"],
            "award": row["award"],
        }
        for row in data["rows"]
    ]
    podium = [
        {"level": level, "rows": [row for row in rows if row["award"] == level]} for level in (1, 2, 3)
    ]
    return {
        "snapshot": {"team": data["team"], "rounds": data["rounds"], "rows": rows},
        "podium": [step for step in podium if step["rows"]],
        "screen_version": version,
    }
