"""sys.path for servers: `site/` (config, home, people) and the project root (the domain apps).

manage.py and pytest set both themselves; gunicorn or uvicorn started with only one of
them on the path call `ensure_project_paths()` through wsgi.py / asgi.py.
"""

import sys
from pathlib import Path

SITE_DIR = Path(__file__).resolve().parent.parent
ROOT_DIR = SITE_DIR.parent


def ensure_project_paths():
    for path in (str(ROOT_DIR), str(SITE_DIR)):
        if path not in sys.path:
            sys.path.insert(0, path)
