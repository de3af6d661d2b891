"""Demo service records of the assessment app for `load_initial_data`."""


def load_service_records(tally):
    """Attendance, ratings and cases for the demo staff (filled in by the service-records capability)."""
