"""Views of the evaluation dashboards (HR, staff, vendor managers): thin, they read
assessment.selectors.dashboards and render figures built by assessment.charts."""
