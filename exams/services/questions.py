"""Question import and export, and saving a question with its versions."""


from django.db import transaction
from django.utils.translation import gettext as _

from home.imports import ImportResult, RowCleaner, RowError

from .. import scoring
from ..models import (
    Category,
    Question,
    QuestionBank,
    QuestionType,
    QuestionVersion,
)
from ..models.bank import (
    CHOICE_TYPES,
    OPTION_LETTERS,
    content_digest,
    stem_html_from_text,
    stem_key,
    version_fields,
)
from ..resources import (
    ANSWER,
    BANK,
    DEFAULT_DIFFICULTY,
    DEFAULT_POINTS,
    OPTION_COLUMNS,
    POINTS,
    QUESTION_HEADERS,
    REQUIRED_HEADERS,
    STEM,
    TYPE,
    TYPE_NAMES,
    QuestionResource,
)

PREVIEW_ROWS = 20


# --- question import and export ------------------------------------------------------


def question_import(table, *, dry_run, user=None, bank_name=None):
    """Import questions: all rows or none, idempotent on bank + 题干.

    The bank is the row's 题库 cell when the file has that column, else `bank_name`.
    Unknown banks and categories are created (listed in the result first).
    """
    result = ImportResult(total=len(table), dry_run=dry_run)
    for column in REQUIRED_HEADERS:
        if column not in table.headers:
            result.errors.append(RowError(table.header_row, column, _("This column is missing.")))
    if not bank_name and BANK not in table.headers:
        # One clear answer instead of the same error on every row.
        result.errors.append(RowError(table.header_row, BANK, _("The file has no 题库 column: add one, or import into a chosen bank.")))
    if result.errors:
        return result
    cleaner = RowCleaner(QuestionResource(), required_columns=(TYPE, STEM))
    rows = []
    for row_number, raw in table.rows:
        before = len(result.errors)
        values = cleaner.clean(row_number, raw, result.errors)
        values["bank"] = values.get("bank") or (bank_name or "")
        if not values["bank"]:
            result.errors.append(RowError(row_number, BANK, _("Name the question bank in the 题库 column, or import into a chosen bank.")))
        if len(result.errors) == before:
            _check_question_row(row_number, values, result.errors)
        rows.append((row_number, values))
    _check_duplicate_stems(rows, result.errors)
    if result.errors:
        order = {name: i for i, name in enumerate((*QUESTION_HEADERS, BANK))}
        result.errors.sort(key=lambda e: (e.row, order.get(e.column, 99)))
        return result

    plan = _QuestionPlan(rows)
    result.side_effects = plan.side_effects()
    for status in plan.statuses.values():
        setattr(result, status, getattr(result, status) + 1)
    result.preview = [
        (
            row_number,
            plan.statuses[(v["bank"], v["stem_key"])],
            cleaner.display({**v, "qtype": TYPE_NAMES[v["qtype"]], "stem": v["stem"][:40]}),
        )
        for row_number, v in rows[:PREVIEW_ROWS]
    ]
    if not dry_run:
        with transaction.atomic():
            plan.write(user)
    return result


def _check_question_row(row_number, values, errors):
    qtype = values["qtype"]
    options = [values.get(f"option_{c.lower()}") or "" for c in OPTION_LETTERS]
    # Options are the filled cells up to the last filled one; a gap is an error.
    while options and not options[-1]:
        options.pop()
    if any(not o for o in options):
        missing = OPTION_COLUMNS[options.index("")]
        errors.append(RowError(row_number, missing, _("An option is missing between filled ones.")))
        return
    if qtype in CHOICE_TYPES and len(options) < 2:
        errors.append(RowError(row_number, OPTION_COLUMNS[1], _("A choice question needs at least options A and B.")))
        return
    answer = values.get("answer") or ""
    if qtype == QuestionType.ESSAY:
        values["normalized_answer"] = ""
    else:
        if not answer:
            errors.append(RowError(row_number, ANSWER, _("This column must not be empty.")))
            return
        try:
            key = scoring.parse_key(qtype, answer, options)
        except scoring.AnswerKeyError as exc:
            errors.append(RowError(row_number, ANSWER, str(exc)))
            return
        values["normalized_answer"] = scoring.format_key(qtype, key)
    if values.get("points") is not None and values["points"] <= 0:
        errors.append(RowError(row_number, POINTS, _("Points must be more than 0.")))
    values["options"] = options
    values["stem_key"] = stem_key(stem_html_from_text(values["stem"]))


def _check_duplicate_stems(rows, errors):
    seen = {}
    for row_number, values in rows:
        if "stem_key" not in values:
            continue
        identity = (values["bank"], values["stem_key"])
        if identity in seen:
            errors.append(
                RowError(row_number, STEM, _("The same stem appears again (first on row %(first)d).") % {"first": seen[identity]})
            )
        else:
            seen[identity] = row_number


class _QuestionPlan:
    """Banks, categories and existing questions a file touches: one query per table."""

    def __init__(self, rows):
        self.rows = rows
        bank_names = {v["bank"] for _n, v in rows}
        self.banks = {b.name: b for b in QuestionBank.objects.filter(name__in=bank_names)}
        self.categories = {
            (c.bank.name, c.name): c
            for c in Category.objects.filter(bank__name__in=bank_names).select_related("bank")
        }
        stems = {v["stem_key"] for _n, v in rows}
        self.existing = {
            (q.bank.name, q.stem_text): q
            for q in Question.objects.filter(bank__name__in=bank_names, stem_text__in=stems).select_related("bank", "category")
        }
        self.statuses = {}
        for _n, v in rows:
            identity = (v["bank"], v["stem_key"])
            question = self.existing.get(identity)
            if question is None:
                self.statuses[identity] = "created"
            elif self._changes(question, v):
                self.statuses[identity] = "updated"
            else:
                self.statuses[identity] = "unchanged"

    def _fields(self, values):
        essay = values["qtype"] == QuestionType.ESSAY
        explanation = values.get("explanation") or ""
        return {
            "qtype": values["qtype"],
            "stem": stem_html_from_text(values["stem"]),
            "options": values["options"],
            "answer": values["normalized_answer"],
            "reference_answer": (values.get("answer") or explanation) if essay else "",
            "explanation": "" if essay and not values.get("answer") else explanation,
            "difficulty": values.get("difficulty") or DEFAULT_DIFFICULTY,
            "points": values.get("points") or DEFAULT_POINTS,
        }

    def _changes(self, question, values):
        fields = self._fields(values)
        category = values.get("category") or ""
        current_category = question.category.name if question.category_id else ""
        return category != current_category or any(getattr(question, k) != v for k, v in fields.items())

    def side_effects(self):
        effects = {}
        new_banks = sorted({v["bank"] for _n, v in self.rows} - set(self.banks))
        if new_banks:
            effects[_("question banks")] = new_banks
        new_categories = sorted(
            {f"{v['bank']}·{v['category']}" for _n, v in self.rows if v.get("category")}
            - {f"{b}·{c}" for b, c in self.categories}
        )
        if new_categories:
            effects[_("categories")] = new_categories
        return effects

    def write(self, user):
        for name in sorted({v["bank"] for _n, v in self.rows} - set(self.banks)):
            self.banks[name] = QuestionBank.objects.create(name=name)
        wanted = {(v["bank"], v["category"]) for _n, v in self.rows if v.get("category")}
        new_categories = [Category(bank=self.banks[b], name=c) for b, c in sorted(wanted - set(self.categories))]
        for category in Category.objects.bulk_create(new_categories):
            self.categories[(category.bank.name, category.name)] = category
        created, updated = [], []
        for _n, v in self.rows:
            identity = (v["bank"], v["stem_key"])
            status = self.statuses[identity]
            if status == "unchanged":
                continue
            fields = self._fields(v)
            category = self.categories.get((v["bank"], v.get("category"))) if v.get("category") else None
            if status == "created":
                created.append(Question(bank=self.banks[v["bank"]], category=category, stem_text=v["stem_key"], **fields))
            else:
                question = self.existing[identity]
                for key, value in fields.items():
                    setattr(question, key, value)
                question.category = category
                updated.append(question)
        Question.objects.bulk_create(created)
        Question.objects.bulk_update(
            updated, ["qtype", "stem", "options", "answer", "reference_answer", "explanation", "difficulty", "points", "category"]
        )
        questions_snapshot(questions=created + updated, user=user)


@transaction.atomic
def question_save(*, question, user=None):
    """Save a question (new or changed) and record a version when its content changed."""
    question.stem_text = stem_key(question.stem)
    question.save()
    question.snapshot(user=user)
    return question


def questions_snapshot(*, questions, user=None):
    """New versions for questions written in bulk (`question_save` does this one at a time)."""
    versions = []
    for question in questions:
        content = question.content()
        question.version += 1
        versions.append(
            QuestionVersion(question=question, number=question.version, digest=content_digest(content), created_by=user,
                            **version_fields(content))
        )
    QuestionVersion.objects.bulk_create(versions)
    Question.objects.bulk_update(questions, ["version"])


def question_export_dataset(*, bank):
    """A bank in the import layout (the caller writes it with home.spreadsheets.export_bytes)."""
    return QuestionResource(bank=bank).export()
