"""Shared set-up for benchmarks: Django on a throwaway database."""

import atexit
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django():
    """Configure Django with test settings on a fresh database and migrate it.

    SQLite in a temporary file by default; set BENCH_DATABASE_URL to measure on PostgreSQL
    (a test database beside it is created, and dropped at exit, by Django's test machinery).
    """
    sys.path[:0] = [str(ROOT / "site"), str(ROOT)]
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='frontline-bench-')}/bench.sqlite3"
    os.environ["DATABASE_URL"] = url
    import django

    django.setup()
    from django.test.utils import setup_test_environment
    from django.db import connection

    setup_test_environment()
    if url.startswith("postgres"):
        old_name = connection.settings_dict["NAME"]
        connection.creation.create_test_db(verbosity=0, autoclobber=True)
        atexit.register(connection.creation.destroy_test_db, old_name, verbosity=0)
    else:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    return url


def reset_tables(*models):
    for model in models:
        model.objects.all().delete()
