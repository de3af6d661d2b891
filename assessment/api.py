"""The ratings API for feeds and rating devices: POST /api/v1/ratings (django-ninja).

Authentication: `Authorization: Bearer <token>` of an active RatingSource (only the token's
SHA-256 is stored). Idempotent on (source, ticket_no, assess_number): 201 on first
delivery, 200 on an identical replay, 409 on a conflicting one, 400 with field errors,
401 without a valid token, 403 for a disabled source. The OpenAPI schema is at
/api/v1/openapi.json; there is no interactive docs page (it would load scripts from a CDN).
"""

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from ninja import NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from .models import RatingSource
from .models.ratings import hash_token
from .services import RatingInputError, rating_submit


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
        errors.setdefault(".".join(location) or "body", []).append(error.get("msg", "invalid"))
    return api.create_response(request, {"errors": errors}, status=400)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    response = api.create_response(request, {"detail": "A valid bearer token is required."}, status=401)
    response["WWW-Authenticate"] = "Bearer"
    return response


class RatingIn(Schema):
    ticket_no: str
    assess_number: int = 1
    staff_no: str = ""
    window_code: str = ""
    level: str | int
    channel: str = ""
    rated_at: dt.datetime
    comment: str = ""


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


@api.post(
    "/ratings",
    auth=SourceToken(),
    response={201: RatingOut, 200: RatingOut, 400: Errors, 401: Detail, 403: Detail, 409: Detail},
    summary="Deliver one citizen rating",
)
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
