"""Writes of the competitions app, by subject: the competition workbook and score-sheet
imports (all rows or none, idempotent), panels and recusal, round states, publication and
awards."""

from .competition_setup import competition_import, competition_import_file, competition_index_page
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
    "PublishRefused",
    "Recusal",
    "competition_import",
    "competition_import_file",
    "competition_index_page",
    "competition_publish",
    "competition_reopen",
    "conflict_declare",
    "entrant_centres",
    "entrant_people",
    "judge_assign",
    "panel_seat_assign",
    "panel_seats_sync",
    "recusal_reason",
    "results_dataset",
    "round_entrants",
    "round_scores_import",
    "round_scores_import_file",
    "round_state_change",
]
