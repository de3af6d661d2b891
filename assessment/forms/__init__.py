"""Forms of the assessment app by subject (they parse input only): the rating page and
rating corrections, bad-review cases, attendance, service records, evaluation schemes,
the evaluation workflow, and the dashboards' filters."""
