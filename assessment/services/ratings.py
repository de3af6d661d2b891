"""Writes of ratings (好差评): the sources that send them, the spreadsheet import, one rating
from the API or the public QR page, supersession within a ticket, and HR's logged edit.

The import is set-based and all-or-nothing, in chunks inside one transaction: ratings of a
month whose evaluations are approved are refused, as one-by-one ratings of it are.
"""

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from home.db import BATCH_SIZE, fast_insert, refresh_statistics
from home.imports import ImportResult, RowCleaner, RowError, import_rows_in_chunks
from people.models import StaffProfile, Window

from .. import abuse
from .. import rating_rules as rr
from .. import resources as cols
from ..models import BadReviewCase, Rating, RatingSource
from ..periods import Period
from .cases import case_open, cases_open_for_bad_ratings
from .locks import period_ensure_open
from .rows import ANALYZE_AFTER_ROWS, PREVIEW_ROWS, MonthGuard, chunks, months_of, sort_errors

IMPORT_SOURCE_CODES = {rr.GB: "import-gb", rr.PROVINCIAL: "import-provincial"}
QR_SOURCE_CODE = "qr-page"


def rating_source_create(*, name, direction=rr.GB, kind=RatingSource.Kind.FEED, code=None):
    """Register a feed or device; returns (source, token). Only the token's hash is kept."""
    if direction not in rr.DIRECTIONS:
        raise ValidationError({"direction": _("Direction must be gb or provincial.")})
    base = code or slugify(name, allow_unicode=False) or "source"
    candidate, n = base[:40], 2
    while RatingSource.objects.filter(code=candidate).exists():
        candidate, n = f"{base[:36]}-{n}", n + 1
    source = RatingSource(name=name, code=candidate, kind=kind, direction=direction)
    token = source.new_token()
    source.full_clean()
    source.save()
    return source, token


def builtin_source(code):
    """The token-less sources of spreadsheet imports and of the QR page (made on first use)."""
    names = {
        IMPORT_SOURCE_CODES[rr.GB]: (_("Spreadsheet import (GB codes)"), RatingSource.Kind.IMPORT, rr.GB),
        IMPORT_SOURCE_CODES[rr.PROVINCIAL]: (
            _("Spreadsheet import (provincial codes)"),
            RatingSource.Kind.IMPORT,
            rr.PROVINCIAL,
        ),
        QR_SOURCE_CODE: (_("QR rating page"), RatingSource.Kind.QR, rr.GB),
    }
    name, kind, direction = names[code]
    source = RatingSource.objects.filter(code=code).first()
    if source is None:
        try:
            with transaction.atomic():
                source = RatingSource.objects.create(code=code, name=name, kind=kind, direction=direction)
        except IntegrityError:
            source = RatingSource.objects.get(code=code)
    return source


RATING_COMPARED = ("level", "channel", "staff_id", "window_id", "window_code", "matter", "rated_at", "comment")
RATING_COMPARED_FIELDS = ("ticket_no", "assess_number", *RATING_COMPARED)


class _RatingRow:
    """A rating row in flight: lighter than a model instance, which matters at a million rows."""

    __slots__ = (
        "id", "source_id", "ticket_no", "assess_number", "level", "channel", "staff_id", "staff_no", "window_id",
        "window_code", "matter", "rated_at", "comment", "reasons", "superseded", "received_at",
        "citizen_ticket_no", "suspicion",
    )

    def __init__(self, **values):
        self.id = None
        self.reasons = ""
        self.superseded = False
        self.citizen_ticket_no = ""
        self.suspicion = ""
        self.received_at = None
        self.staff_no = ""
        for name, value in values.items():
            setattr(self, name, value)


class RatingInputError(Exception):
    """Field errors of one rating: {field: [messages]}."""

    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors


RATING_CHUNK = 5000  # rows validated, looked up and written together



class _RatingImport:
    """A ratings file in flight, chunk by chunk: staff and windows are looked up once per new
    key, a key seen earlier in the file is an error, and (unless dry_run or any error so
    far) each chunk is written at once, inside the caller's transaction."""

    def __init__(self, *, source, result, header_row, dry_run):
        self.source = source
        self.result = result
        self.dry_run = dry_run
        self.staff = {}  # staff_no -> (id, staff_no) or None when unknown
        self.windows = {}  # window code -> id or None
        # (办件编号, 评价次数) -> first row, keyed by the key's hash: a million keys as small
        # ints rather than tuples of strings.
        self.seen = {}
        self.months = MonthGuard(_("ratings"), header_row, cols.RATED_AT)
        self.labels = dict(rr.LEVEL_LABELS)
        self.unknown_windows = set()

    def _lookup(self, staff_nos, window_codes):
        wanted = [n for n in staff_nos if n not in self.staff]
        for chunk in chunks(wanted, 2000):
            for pk, no in StaffProfile.objects.filter(staff_no__in=chunk).values_list("id", "staff_no"):
                self.staff[no] = (pk, no)
        for no in wanted:
            self.staff.setdefault(no, None)
        wanted = [c for c in window_codes if c not in self.windows]
        for chunk in chunks(wanted, 2000):
            for pk, code in Window.objects.filter(code__in=chunk).values_list("id", "code"):
                self.windows[code] = pk
        for code in wanted:
            self.windows.setdefault(code, None)

    def process(self, rows, errors):
        """Check one chunk of cleaned rows [(row number, values)], whose cleaning found
        `errors`, and write it if all is well."""
        if not rows:
            return
        self._lookup(
            {v["staff_no"] for _n, v in rows if v.get("staff_no")},
            {v["window_code"] for _n, v in rows if v.get("window_code")},
        )
        candidates = []
        for row_number, values in rows:
            bad = values.pop("_bad", False)
            person = None
            if values.get("staff_no"):
                person = self.staff[values["staff_no"]]
                if person is None:
                    errors.append(
                        RowError(row_number, cols.HANDLER, _("No staff member has 工号 %(no)s.") % {"no": values["staff_no"]})
                    )
                    bad = True
            if values.get("ticket_no"):
                key = hash((values["ticket_no"], values["assess_number"]))
                first = self.seen.setdefault(key, row_number)
                if first != row_number:
                    errors.append(
                        RowError(
                            row_number,
                            cols.TICKET,
                            _("%(t)s rating %(n)d appears again (first on row %(first)d).")
                            % {"t": values["ticket_no"], "n": values["assess_number"], "first": first},
                        )
                    )
                    bad = True
            if bad:
                continue
            window_code = values.get("window_code", "")
            candidates.append(
                (
                    row_number,
                    _RatingRow(
                        source_id=self.source.pk,
                        ticket_no=values["ticket_no"],
                        assess_number=values["assess_number"],
                        level=values["level"],
                        channel=values.get("channel", ""),
                        staff_id=person[0] if person else None,
                        staff_no=person[1] if person else "",
                        window_id=self.windows.get(window_code),
                        window_code=window_code,
                        matter=values.get("matter", ""),
                        rated_at=values["rated_at"],
                        comment=values.get("comment", ""),
                    ),
                )
            )
        errors.extend(self.months.check(months_of([r.rated_at for _n, r in candidates])))
        if errors:
            sort_errors(errors, cols.RATING_HEADERS)
            self.result.add_errors(errors)
        if self.result.errors:
            return  # keep validating the rest of the file, write nothing more
        self._compare_and_write(candidates)

    def _compare_and_write(self, candidates):
        result = self.result
        existing = {}
        ratings_of_ticket = defaultdict(int)  # this source's, to know which tickets need supersession
        bad_tickets = set()  # tickets with a bad rating of this source (cases to open)
        for chunk in chunks({r.ticket_no for _n, r in candidates}, RATING_CHUNK):
            # By 办件编号 alone, the source checked here: with `source` in the WHERE, SQLite
            # walks the source's index over every rating it ever received (quadratic).
            for values in (
                Rating.objects.filter(ticket_no__in=chunk)
                .order_by()
                .values("id", "source_id", *RATING_COMPARED_FIELDS)
            ):
                if values.pop("source_id") == self.source.pk:
                    ratings_of_ticket[values["ticket_no"]] += 1
                    existing[(values["ticket_no"], values["assess_number"])] = _RatingRow(**values)
                    if values["level"] in rr.BAD_LEVELS:
                        bad_tickets.add(values["ticket_no"])
        new, changed, touched = [], [], []
        for row_number, rating in candidates:
            old = existing.get((rating.ticket_no, rating.assess_number))
            if old is None:
                status = "created"
                new.append(rating)
            elif any(getattr(old, f) != getattr(rating, f) for f in RATING_COMPARED):
                status = "updated"
                changed.append(Rating(id=old.id, **{f: getattr(rating, f) for f in RATING_COMPARED}))
            else:
                status = "unchanged"
            setattr(result, status, getattr(result, status) + 1)
            if status != "unchanged":
                touched.append(rating.ticket_no)
                if rating.level in rr.BAD_LEVELS:
                    bad_tickets.add(rating.ticket_no)
            if status == "created":
                ratings_of_ticket[rating.ticket_no] += 1
            if rating.window_code and rating.window_id is None:
                self.unknown_windows.add(rating.window_code)
            if len(result.preview) < PREVIEW_ROWS:
                result.preview.append((row_number, status, self._display(rating)))
        if self.dry_run:
            return
        fast_insert(Rating, new)
        Rating.objects.bulk_update(changed, list(RATING_COMPARED), batch_size=BATCH_SIZE)
        # Only tickets with more than one rating of this source can have one superseded (a
        # rating never supersedes another source's), and only tickets
        # with a bad rating get a case: the other tickets (nearly all) need no query.
        ratings_supersession_update(tickets=[t for t in touched if ratings_of_ticket[t] > 1])
        cases_open_for_bad_ratings(ticket_nos=[t for t in touched if t in bad_tickets], source=self.source)

    def _display(self, r):
        return {
            cols.TICKET: r.ticket_no,
            cols.ASSESS_NUMBER: str(r.assess_number),
            cols.RATED_AT: f"{timezone.localtime(r.rated_at):%Y-%m-%d %H:%M}",
            cols.HANDLER: r.staff_no,
            cols.WINDOW: r.window_code,
            cols.MATTER: r.matter,
            cols.LEVEL: self.labels[r.level],
            cols.CHANNEL: r.channel,
            cols.COMMENT: r.comment,
        }


def rating_import(table, *, dry_run, user=None, source=None, direction=rr.GB):
    """Import 好差评 rows: all or none; idempotent on (source, 办件编号, 评价次数).

    The rows are read, checked and written in chunks of RATING_CHUNK inside one transaction:
    memory stays flat for a million rows, and an error anywhere rolls every chunk back.
    Ratings of a month whose evaluations are approved are refused (HR reopens it first)."""
    source = source or builtin_source(IMPORT_SOURCE_CODES[direction])
    direction = source.direction
    result = ImportResult(dry_run=dry_run)
    for column in cols.RATING_REQUIRED:
        if column not in table.headers:
            result.errors.append(RowError(table.header_row, column, _("This column is missing.")))
    if cols.HANDLER not in table.headers and cols.WINDOW not in table.headers:
        result.errors.append(RowError(table.header_row, cols.HANDLER, _("This column is missing.")))
    if result.errors:
        return result
    cleaner = RowCleaner(cols.RatingResource(), required_columns=cols.RATING_REQUIRED)
    job = _RatingImport(source=source, result=result, header_row=table.header_row, dry_run=dry_run)

    def clean_row(row_number, raw, errors):
        before = len(errors)
        values = cleaner.clean(row_number, raw, errors)
        values["assess_number"] = values.get("assess_number") or 1
        if values.get("level"):
            try:
                values["level"] = rr.parse_level(values["level"], direction)
            except rr.LevelError:
                errors.append(
                    RowError(
                        row_number,
                        cols.LEVEL,
                        _("“%(v)s” is not a level: write 非常满意, 满意, 基本满意, 不满意, 非常不满意 or 1–5.")
                        % {"v": values["level"]},
                    )
                )
                values.pop("level")
        if not values.get("staff_no") and not values.get("window_code"):
            errors.append(RowError(row_number, cols.HANDLER, _("Give the handler's 工号 or the window code.")))
        if len(errors) > before:
            values["_bad"] = True
        return values

    import_rows_in_chunks(table, result, clean_row=clean_row, process=job.process, chunk_size=RATING_CHUNK,
                          dry_run=dry_run)
    if result.errors:
        return result
    if not dry_run and result.created + result.updated >= ANALYZE_AFTER_ROWS:
        refresh_statistics(Rating, BadReviewCase)
    if job.unknown_windows:
        result.side_effects[_("ratings of windows not in the directory (window codes kept as text)")] = sorted(
            job.unknown_windows
        )[:50]
    return result


def ratings_supersession_update(*, tickets):
    """Mark, for each ticket and each source, every rating but the one with the highest 评价次数
    superseded: a rating never supersedes a rating of another source (see rr.superseded_ids)."""
    tickets = {t for t in tickets if t}
    to_set, to_clear = [], []
    for chunk in chunks(tickets, 2000):
        # By 办件编号 alone (see _RatingImport); the grouping per source is rr.superseded_ids's.
        ratings = list(
            Rating.objects.filter(ticket_no__in=chunk)
            .order_by()
            .values_list("id", "source_id", "ticket_no", "assess_number", "superseded")
        )
        superseded = rr.superseded_ids([(i, src, t, n) for i, src, t, n, _flag in ratings])
        for rating_id, _source, _ticket, _number, flag in ratings:
            if flag != (rating_id in superseded):
                (to_set if rating_id in superseded else to_clear).append(rating_id)
    for ids, flag in ((to_set, True), (to_clear, False)):
        for chunk in chunks(ids):
            Rating.objects.filter(pk__in=chunk).update(superseded=flag)


def rating_submit(
    *, source, ticket_no, assess_number, level, channel, staff_no, window_code, rated_at, comment="", reasons="",
    citizen_ticket_no="",
):
    """One rating from the API or the QR page. Returns (rating, status): "created", "unchanged"
    (identical replay) or "conflict" (same key, different content). Raises RatingInputError,
    or RatingMonthLocked for a new rating in an approved month."""
    errors = defaultdict(list)
    try:
        level_code = rr.parse_level(level, source.direction)
    except rr.LevelError:
        errors["level"].append(_("Not a level: use 非常满意, 满意, 基本满意, 不满意, 非常不满意 or 1–5."))
        level_code = None
    staff = None
    if staff_no:
        staff = StaffProfile.objects.select_related("centre").filter(staff_no=staff_no).first()
        if staff is None:
            errors["staff_no"].append(_("No staff member has 工号 %(no)s.") % {"no": staff_no})
    window = Window.objects.select_related("centre").filter(code=window_code).first() if window_code else None
    if not staff_no and window is None:
        errors["window_code" if window_code else "staff_no"].append(_("Give a known staff number or window code."))
    if assess_number is None or not 1 <= int(assess_number) <= 99:
        errors["assess_number"].append(_("A whole number from 1 to 99."))
    if errors:
        raise RatingInputError(dict(errors))
    if timezone.is_naive(rated_at):
        rated_at = timezone.make_aware(rated_at)
    candidate = Rating(
        source=source,
        ticket_no=(ticket_no or "").strip(),
        assess_number=int(assess_number),
        level=level_code,
        channel=(channel or "").strip()[:30],
        staff=staff,
        window=window,
        window_code=(window_code or "").strip()[:20],
        matter="",
        rated_at=rated_at,
        comment=(comment or "").strip()[:1000],
        reasons=(reasons or "")[:200],
        citizen_ticket_no=(citizen_ticket_no or "").strip()[:64],
    )
    if candidate.ticket_no:
        existing = Rating.objects.filter(
            source=source, ticket_no=candidate.ticket_no, assess_number=candidate.assess_number
        ).first()
        if existing is not None:
            return existing, _replay_status(existing, candidate)
    # A new rating of an approved month is refused, as an import of that month is (an
    # identical replay above changes nothing and is still answered as such).
    rating_month_ensure_open(rated_at=candidate.rated_at)
    try:
        with transaction.atomic():
            candidate.full_clean(exclude=["source", "staff", "window"])
            candidate.save()
            ratings_supersession_update(tickets=[candidate.ticket_no])
            if candidate.is_bad:
                case_open(rating=candidate)
    except IntegrityError:
        existing = Rating.objects.get(source=source, ticket_no=candidate.ticket_no, assess_number=candidate.assess_number)
        return existing, _replay_status(existing, candidate)
    except ValidationError as exc:
        raise RatingInputError(exc.message_dict) from exc
    return candidate, "created"


def _replay_status(existing, candidate):
    same = all(getattr(existing, f) == getattr(candidate, f) for f in RATING_COMPARED if f != "matter")
    return "unchanged" if same else "conflict"


QR_CHANNEL = "二维码"


def qr_rating_submit(*, window, level, staff_no, comment, reasons, citizen_ticket_no, client_ip):
    """A citizen's rating from the public page of `window`. The page is a source of its own and
    keeps no ticket key: the ticket the citizen typed is kept as information only, so it can
    neither supersede nor be superseded (nor collide with a feed's ticket). A bad rating that
    completes a burst from one network about one person (abuse.bad_rating_burst) marks the
    burst 可疑: held out of every score until a supervisor accepts it on the case.
    Returns (rating, status) like rating_submit; raises what it raises."""
    with transaction.atomic():
        rating, status = rating_submit(
            source=builtin_source(QR_SOURCE_CODE),
            ticket_no="",
            assess_number=1,
            level=level,
            channel=QR_CHANNEL,
            staff_no=staff_no,
            window_code=window.code,
            rated_at=timezone.now(),
            comment=comment,
            reasons=reasons,
            citizen_ticket_no=citizen_ticket_no,
        )
        if status == "created" and rating.is_bad:
            subject = f"staff:{rating.staff_id}" if rating.staff_id else f"window:{rating.window_code}"
            burst = abuse.bad_rating_burst(subject=subject, ip=client_ip, rating_id=rating.pk)
            if burst:
                Rating.objects.filter(pk__in=burst, suspicion=Rating.Suspicion.NONE).update(
                    suspicion=Rating.Suspicion.PENDING
                )
                rating.refresh_from_db(fields=["suspicion"])
    return rating, status


class RatingMonthLocked(Exception):
    """A rating (from the API or the QR page) falls in a month whose evaluations are approved:
    it is refused like a spreadsheet import of that month. `message` says why, in Chinese."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def rating_month_ensure_open(*, rated_at):
    """Raise RatingMonthLocked when `rated_at`'s month is approved, published or final."""
    try:
        period_ensure_open(months=[Period.of(rated_at)], what=_("ratings"))
    except ValidationError as exc:
        raise RatingMonthLocked(exc.messages[0]) from exc


RATING_EDIT_LOG_ACTION = "assessment.rating_edit"
# What HR may correct on a rating (the admin form's fields), in the log's order.
RATING_EDITABLE = ("level", "channel", "staff", "window", "window_code", "matter", "comment")


def _rating_values(rating):
    """The editable values of a rating as text, for the log (names, not ids)."""
    return {
        "level": rating.get_level_display(),
        "channel": rating.channel,
        "staff": f"{rating.staff.staff_no} {rating.staff.name}" if rating.staff_id else "",
        "window": rating.window.code if rating.window_id else "",
        "window_code": rating.window_code,
        "matter": rating.matter,
        "comment": rating.comment,
    }


@transaction.atomic
def rating_edit(*, rating, user, reason, changes):
    """HR corrects a rating. Refused in an approved month (like an import of that month);
    every edit is logged with who, when, the values before and after, and why.

    `changes`: {field: new value} among RATING_EDITABLE. Returns the saved rating."""
    from wagtail.log_actions import log

    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give the reason for the change.")]})
    current = Rating.objects.select_for_update().get(pk=rating.pk)
    period_ensure_open(months=[Period.of(current.rated_at)], what=_("ratings"))
    before = _rating_values(current)
    was_bad = current.is_bad
    for name, value in changes.items():
        if name not in RATING_EDITABLE:
            raise ValueError(f"{name} cannot be edited")
        setattr(current, name, value)
    current.full_clean(exclude=["source"])
    after = _rating_values(current)
    changed = {name: [before[name], after[name]] for name in RATING_EDITABLE if before[name] != after[name]}
    if not changed:
        return current
    current.save()
    if current.is_bad and not was_bad and not BadReviewCase.objects.filter(rating=current).exists():
        case_open(rating=current)
    log(
        instance=current,
        action=RATING_EDIT_LOG_ACTION,
        user=user,
        data={"changes": changed, "reason": reason},
        content_changed=True,
    )
    return current
