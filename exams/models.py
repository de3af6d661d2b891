"""Models of the exams app: filled in by its own issue."""
