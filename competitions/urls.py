"""Portal URLs of the competitions app (included at the site root, before Wagtail): my
competitions and award certificates (with their public verification page), the judges' phone
pages, the chief judge's console and the live quiz show (its pages and JSON endpoints)."""

from django.urls import path

from . import chief_views, judging_views, portal_views, quiz_pages, quiz_views

app_name = "competitions"

_ROUND = "me/judging/rounds/<int:round_id>/"
_SHEET = _ROUND + "entrants/<int:entry_id>/"
_QUIZ = "competitions/quiz/<int:show_id>/"

urlpatterns = [
    path("me/competitions/", portal_views.my_competitions, name="mine"),
    path("me/competitions/certificates/<str:code>/", portal_views.certificate, name="certificate"),
    path("competitions/certificates/verify/<str:code>/", portal_views.certificate_verify, name="certificate_verify"),
    path("me/judging/", judging_views.judging_home, name="judging"),
    path(_ROUND, judging_views.judge_round, name="judge_round"),
    path(_ROUND + "report/", judging_views.judge_report, name="judge_report"),
    path(_SHEET, judging_views.judge_sheet, name="judge_sheet"),
    path(_SHEET + "save/", judging_views.judge_sheet_save, name="judge_sheet_save"),
    path(_SHEET + "submit/", judging_views.judge_sheet_submit, name="judge_sheet_submit"),
    path("me/judging/alerts/<int:alert_id>/", judging_views.judge_alert_answer, name="judge_alert"),
    path("me/judging/receipts/<int:version_id>/", judging_views.judge_receipt, name="judge_receipt"),
    path(_ROUND + "console/", chief_views.console, name="chief_console"),
    path(_ROUND + "console/sheets/<int:sheet_id>/", chief_views.console_sheet, name="chief_sheet"),
    path(_ROUND + "console/open/", chief_views.console_open, name="chief_open"),
    path(_ROUND + "console/confirm/", chief_views.console_confirm, name="chief_confirm"),
    path(_ROUND + "console/reports/<int:report_id>/", chief_views.console_report, name="chief_report"),
    path(_ROUND + "console/paper/", chief_views.console_paper, name="chief_paper"),
    # The live quiz show (JSON): host console, big screen (secret token) and team devices.
    path("competitions/quiz/rounds/<int:round_id>/start/", quiz_views.host_start, name="quiz_start"),
    # Its pages: the host console, the big screen and a team's device.
    path("competitions/quiz/rounds/<int:round_id>/host/", quiz_pages.host_console, name="quiz_host"),
    path(_QUIZ + "screen/<str:token>/", quiz_pages.screen, name="quiz_screen"),
    path(_QUIZ + "team/", quiz_pages.team, name="quiz_team"),
    path(_QUIZ + "host/state/", quiz_views.host_state, name="quiz_host_state"),
    path(_QUIZ + "host/<slug:action>/", quiz_views.host_action, name="quiz_host_action"),
    path(_QUIZ + "screen/<str:token>/state/", quiz_views.screen_state, name="quiz_screen_state"),
    path(_QUIZ + "join/", quiz_views.team_join, name="quiz_join"),
    path(_QUIZ + "team/state/", quiz_views.team_state, name="quiz_team_state"),
    path(_QUIZ + "buzz/", quiz_views.team_buzz, name="quiz_buzz"),
    path(_QUIZ + "stake/", quiz_views.team_stake, name="quiz_stake"),
]
