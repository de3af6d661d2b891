"""Performance pay (绩效工资) from a grade, as pure functions: Decimal in, Decimal out."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from .scoring import DEFAULT_RULES, GRADES, ZERO, round2


def coefficient(grade, rules=DEFAULT_RULES):
    return Decimal(str(rules.coefficients[grade]))


def performance_pay(pay_base, grade, rules=DEFAULT_RULES):
    """绩效工资 = 绩效工资基数 × coefficient, rounded to 0.01 half up."""
    return round2(Decimal(str(pay_base)) * coefficient(grade, rules))


@dataclass(frozen=True)
class PayRow:
    vendor: str
    grade: str
    pay: Decimal


@dataclass
class VendorSummary:
    """A vendor company's month: headcount, grade distribution and pay total."""

    vendor: str
    headcount: int = 0
    grades: dict = field(default_factory=lambda: dict.fromkeys(GRADES, 0))
    pay_total: Decimal = ZERO


def vendor_summaries(rows: Iterable[PayRow]):
    """Per-vendor totals of a pay sheet, in vendor name order."""
    summaries = {}
    for row in rows:
        summary = summaries.setdefault(row.vendor, VendorSummary(row.vendor))
        summary.headcount += 1
        summary.grades[row.grade] += 1
        summary.pay_total += row.pay
    return [summaries[name] for name in sorted(summaries)]
