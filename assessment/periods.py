"""Months as values: the evaluation period, a range of months for the dashboards, and the
one form field that reads a month. Pure: no ORM; the time zone is the site's."""

import datetime as dt
from dataclasses import dataclass

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .attendance_rules import month_days

FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass(frozen=True, order=True)
class Period:
    year: int
    month: int

    @classmethod
    def parse(cls, text):
        """'2026-10' → Period(2026, 10); ValueError otherwise."""
        parts = str(text).strip().split("-")
        if len(parts) != 2 or not all(part.isdigit() for part in parts):
            raise ValueError(text)
        year, month = (int(part) for part in parts)
        if not 1 <= month <= 12 or not FIRST_YEAR <= year <= LAST_YEAR:
            raise ValueError(text)
        return cls(year, month)

    @classmethod
    def parse_or(cls, text, default):
        """The month in `text`, or `default` when it is missing or unreadable (query strings)."""
        try:
            return cls.parse(text)
        except ValueError:
            return default

    @classmethod
    def current(cls):
        today = timezone.localdate()
        return cls(today.year, today.month)

    @classmethod
    def of(cls, moment):
        """The month of a date, or of a datetime in the site's time zone."""
        if isinstance(moment, dt.datetime) and moment.tzinfo is not None:
            moment = timezone.localtime(moment)
        return cls(moment.year, moment.month)

    def __str__(self):
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first(self):
        return dt.date(self.year, self.month, 1)

    @property
    def last(self):
        return self.next().first - dt.timedelta(days=1)

    def next(self):
        return Period(self.year + (self.month == 12), self.month % 12 + 1)

    def previous(self):
        return Period(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def moments(self):
        """[start, end) as aware datetimes in the site's time zone."""
        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(self.first, dt.time(), tzinfo=tz)
        end = dt.datetime.combine(self.next().first, dt.time(), tzinfo=tz)
        return start, end

    def days(self):
        return month_days(self.year, self.month)


@dataclass(frozen=True)
class MonthRange:
    first: Period
    last: Period

    @classmethod
    def parse(cls, first, last):
        """From "YYYY-MM" texts; ValueError when unreadable or reversed."""
        first, last = Period.parse(first), Period.parse(last)
        if first > last:
            raise ValueError("range")
        return cls(first, last)

    def months(self):
        result, p = [], self.first
        while p <= self.last:
            result.append(str(p))
            p = p.next()
        return result

    @property
    def focus(self):
        return str(self.last)

    def moments(self):
        return self.first.moments()[0], self.last.moments()[1]


class MonthField(forms.CharField):
    """A month typed as YYYY-MM; cleans to a Period."""

    default_error_messages = {"invalid": _("Give the month as YYYY-MM, e.g. 2026-10.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", _("YYYY-MM, e.g. 2026-10"))
        super().__init__(**kwargs)
        # In the widget only: a max_length validator would run on the cleaned Period.
        self.widget.attrs.setdefault("maxlength", "7")

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return Period.parse(value)
        except ValueError as exc:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc

    def prepare_value(self, value):
        return str(value) if isinstance(value, Period) else value
