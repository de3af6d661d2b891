"""Models of the competitions app: filled in by its own issue."""
