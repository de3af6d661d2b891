"""Wagtail admin classes of the assessment app, by subject (registered in wagtail_hooks.py):
service records and their rules, the staff chooser, bad-review cases, attendance screens,
monthly evaluations and their months, and the dashboards."""
