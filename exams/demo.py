"""Demo content of the exams app for `load_initial_data`."""


def load_exam_content(tally):
    """Question bank, papers and exams for the demo staff (filled in by the exams capability)."""
