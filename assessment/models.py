"""Models of the assessment app: filled in by its own issue."""
