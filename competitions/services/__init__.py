"""Writes of the competitions app, by subject: the competition workbook and score-sheet
imports (all rows or none, idempotent), panels and recusal, round states, publication and
awards, judges scoring on their phones and the chief judge's review of a round."""

from .advancement import entry_reinstate, round_advance
from .chief_judge import (
    ConfirmRefused,
    PaperResult,
    paper_entry_record,
    problem_report_resolve,
    round_blockers,
    round_confirm,
    round_open,
    score_sheet_unlock,
)
from .competition_setup import competition_import, competition_import_file, competition_index_page
from .judging import (
    SCORE_FIELD,
    WRITABLE_STATES,
    SheetInvalid,
    SheetRefused,
    judge_sheet_draft_save,
    judge_sheet_submit,
    problem_report_send,
    sheet_fields,
    spread_alert_confirm,
    spread_alert_revise,
    spread_alerts_refresh,
)
from .panels import (
    Recusal,
    conflict_declare,
    entrant_centres,
    entrant_people,
    judge_assign,
    panel_seat_assign,
    panel_seats_sync,
    recusal_reason,
    round_entrants,
)
from .preliminary import round_exam_candidates_sync, round_exam_scores_collect
from .results import (
    AWARD_NAMES,
    PublishRefused,
    competition_publish,
    competition_reopen,
    results_dataset,
    round_state_change,
)
from .score_sheets import round_scores_import, round_scores_import_file

__all__ = [
    "AWARD_NAMES",
    "SCORE_FIELD",
    "WRITABLE_STATES",
    "ConfirmRefused",
    "PaperResult",
    "PublishRefused",
    "Recusal",
    "SheetInvalid",
    "SheetRefused",
    "competition_import",
    "entry_reinstate",
    "competition_import_file",
    "competition_index_page",
    "competition_publish",
    "competition_reopen",
    "conflict_declare",
    "entrant_centres",
    "entrant_people",
    "judge_assign",
    "judge_sheet_draft_save",
    "judge_sheet_submit",
    "panel_seat_assign",
    "panel_seats_sync",
    "paper_entry_record",
    "problem_report_resolve",
    "problem_report_send",
    "recusal_reason",
    "results_dataset",
    "round_blockers",
    "round_confirm",
    "round_entrants",
    "round_exam_candidates_sync",
    "round_open",
    "round_exam_scores_collect",
    "round_advance",
    "round_scores_import",
    "round_scores_import_file",
    "round_state_change",
    "score_sheet_unlock",
    "sheet_fields",
    "spread_alert_confirm",
    "spread_alert_revise",
    "spread_alerts_refresh",
]
