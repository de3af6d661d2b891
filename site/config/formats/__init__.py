"""Dates in one format everywhere, whatever the language: 2026-12-05 and 2026-12-05 09:30
(Beijing time, settings.TIME_ZONE). Django's zh_Hans formats wrote 2026年12月5日 in some
places while our own templates wrote 2026-12-05; English wrote Dec. 5, 2026."""

DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
YEAR_MONTH_FORMAT = "Y-m"
MONTH_DAY_FORMAT = "m-d"
