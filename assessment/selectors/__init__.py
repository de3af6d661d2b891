"""Reads of the assessment app, by subject: service records, then monthly evaluations.

Callers use `assessment.selectors.<name>`; the modules below hold the code.
"""

from .dashboards import *  # noqa: F401,F403
from .evaluations import *  # noqa: F401,F403
from .records import *  # noqa: F401,F403
