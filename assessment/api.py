"""The ratings API for feeds and rating devices: POST /api/v1/ratings (django-ninja).

Authentication: `Authorization: Bearer <token>` of an active RatingSource (only the token's
SHA-256 is stored). Idempotent on (source, ticket_no, assess_number): 201 on first
delivery, 200 on an identical replay, 409 on a conflicting one or on a new rating of a month
whose evaluations are approved (the detail says why), 400 with field errors,
401 without a valid token, 403 for a disabled source. The OpenAPI schema is at
/api/v1/openapi.json; there is no interactive docs page (it would load scripts from a CDN).
"""

import datetime as dt
from functools import wraps
from typing import Annotated

from django.conf import settings
from django.http import JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from ninja import Field, NinjaAPI, Schema, Status
from ninja.decorators import decorate_view
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer
from pydantic import AfterValidator, Strict
from pydantic_core import PydanticCustomError

from home.validators import CONTROL_CHARACTERS_MESSAGE, has_control_characters

from . import rating_rules as rr
from .models import RatingSource
from .models.ratings import hash_token
from .services import RatingInputError, RatingMonthLocked, rating_submit


class SourceToken(HttpBearer):
    def authenticate(self, request, token):
        source = RatingSource.objects.filter(token_hash=hash_token(token)).first()
        if source is None:
            return None
        if not source.active:
            raise HttpError(403, "This rating source is disabled.")
        return source


class RatingsAPI(NinjaAPI):
    def get_root_path(self, path_params):
        # Mounted inside the assessment app's URLconf, so its namespace is nested.
        return reverse(f"assessment:{self.urls_namespace}:api-root", kwargs=path_params)


api = RatingsAPI(
    title="Frontline ratings API",
    version="1",
    urls_namespace="ratings_api",
    docs_url=None,
    openapi_url="/openapi.json",
)


@api.exception_handler(NinjaValidationError)
def validation_errors(request, exc):
    errors = {}
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", ()) if part not in ("body", "payload")]
        # The field alone: a union (level) adds its member's name after it.
        field = location[0] if location else "body"
        message = error.get("msg", "invalid")
        if field == "level" and error.get("type") not in ("control_characters", "missing"):
            message = str(LEVEL_MESSAGE)  # one clear message, not one per member of the union
        if message not in errors.get(field, ()):
            errors.setdefault(field, []).append(message)
    return api.create_response(request, {"errors": errors}, status=400)


@api.exception_handler(HttpError)
def http_errors(request, exc):
    if exc.status_code == 400:  # the body is not JSON: the same shape as other field errors
        return api.create_response(request, {"errors": {"body": [_("The body is not a JSON object.")]}}, status=400)
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    response = api.create_response(request, {"detail": "A valid bearer token is required."}, status=401)
    response["WWW-Authenticate"] = "Bearer"
    return response


def _no_control_characters(value):
    if has_control_characters(value):
        raise PydanticCustomError("control_characters", str(CONTROL_CHARACTERS_MESSAGE))
    return value


def _sane_rated_at(value):
    problem = rr.rated_at_problem(value)
    if problem:
        raise PydanticCustomError("rated_at_range", problem)
    return value


def Text(max_length, **extra):  # a type factory, named like one
    """A string of at most `max_length` characters, without control characters (NUL cannot
    be stored in PostgreSQL; the others break the exports)."""
    return Annotated[str, Field(max_length=max_length, **extra), AfterValidator(_no_control_characters)]


LEVEL_NAMES = list(rr.LEVEL_LABELS.values())
LEVEL_MESSAGE = _lazy("Not a level: use 非常满意, 满意, 基本满意, 不满意, 非常不满意 or 1–5.")
LevelText = Annotated[
    str,
    Field(
        max_length=rr.MAX_LEVEL_TEXT,
        json_schema_extra={"enum": [*LEVEL_NAMES, *[str(n) for n in range(1, 6)]]},
    ),
    AfterValidator(_no_control_characters),
]
# true/false are not levels: a strict integer refuses them (lax mode would read true as 1).
LevelNumber = Annotated[int, Strict(), Field(ge=1, le=5)]


class RatingIn(Schema):
    ticket_no: Text(64, min_length=1, description="办件编号")
    assess_number: Annotated[int, Strict(), Field(ge=1, le=99, description="评价次数")] = 1
    staff_no: Text(30, description="经办人工号") = ""
    window_code: Text(20, description="窗口编号") = ""
    level: LevelNumber | LevelText = Field(
        description="评价等级: a label, or a number 1–5 read with the source's direction "
        "(gb: 1 = 非常满意; provincial: 1 = 非常不满意).",
    )
    channel: Text(30, description="评价渠道", examples=["评价器", "网站", "APP", "微信", rr.SYSTEM_DEFAULT_CHANNEL]) = ""
    rated_at: Annotated[
        dt.datetime,
        AfterValidator(_sane_rated_at),
        Field(description="ISO 8601 with an offset; from 2000 to at most a day ahead of now."),
    ]
    comment: Text(1000, description="评价内容") = ""


class RatingOut(Schema):
    id: int
    ticket_no: str
    assess_number: int
    level: int
    level_label: str
    case_opened: bool


class Errors(Schema):
    errors: dict[str, list[str]]


class Detail(Schema):
    detail: str


def limit_body(view):
    """413 with a JSON detail for a body over settings.RATINGS_API_MAX_BODY_BYTES, before
    anything reads it (Django itself would answer 400 only beyond 2.5 MB)."""

    @wraps(view)
    def limited(request, *args, **kwargs):
        limit = settings.RATINGS_API_MAX_BODY_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = limit + 1
        if length > limit:
            detail = _("The request body is larger than %(n)d bytes.") % {"n": limit}
            return JsonResponse({"detail": detail}, status=413)
        return view(request, *args, **kwargs)

    return limited


@api.post(
    "/ratings",
    auth=SourceToken(),
    response={201: RatingOut, 200: RatingOut, 400: Errors, 401: Detail, 403: Detail, 409: Detail, 413: Detail},
    summary="Deliver one citizen rating",
)
@decorate_view(limit_body)
def post_rating(request, payload: RatingIn):
    source = request.auth
    if not payload.ticket_no.strip():
        return Status(400, {"errors": {"ticket_no": ["This field is required."]}})
    try:
        rating, status = rating_submit(
            source=source,
            ticket_no=payload.ticket_no,
            assess_number=payload.assess_number,
            level=payload.level,
            channel=payload.channel,
            staff_no=payload.staff_no.strip(),
            window_code=payload.window_code.strip(),
            rated_at=payload.rated_at,
            comment=payload.comment,
        )
    except RatingInputError as exc:
        return Status(400, {"errors": exc.errors})
    except RatingMonthLocked as exc:
        # The month's evaluations are approved: refused like an import of that month.
        return Status(409, {"detail": exc.message})
    RatingSource.objects.filter(pk=source.pk).update(last_used_at=timezone.now())
    if status == "conflict":
        return Status(409, {"detail": "A different rating with this ticket_no and assess_number was delivered before."})
    body = {
        "id": rating.pk,
        "ticket_no": rating.ticket_no,
        "assess_number": rating.assess_number,
        "level": rating.level,
        "level_label": rating.get_level_display(),
        "case_opened": hasattr(rating, "case"),
    }
    return Status(201 if status == "created" else 200, body)
