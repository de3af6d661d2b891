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
        import shutil

        directory = tempfile.mkdtemp(prefix="frontline-bench-")
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
        url = f"sqlite:///{directory}/bench.sqlite3"
    os.environ["DATABASE_URL"] = url
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

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


# --- Shared by the service-record and evaluation benchmarks ---------------------------


def workdir(prefix):
    """A temporary directory for generated files, removed at exit."""
    import shutil

    directory = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    return directory


def scale():
    """BENCH_SCALE (default 1): a fraction of the full size for quick development runs,
    e.g. `BENCH_SCALE=0.1 make bench`."""
    return float(os.environ.get("BENCH_SCALE", "1"))


def scaled(n, minimum=1):
    return max(int(n * scale()), minimum)


def run_isolated(script, argv):
    """Run a benchmark script in a fresh Python process, so that its peak RSS is its own (the
    runner imports every benchmark into one process, and ru_maxrss never goes down).
    Returns True when the caller is that process and should do the work."""
    import subprocess

    if "--in-process" in argv:
        argv.remove("--in-process")
        return True
    completed = subprocess.run([sys.executable, str(script), *argv, "--in-process"], check=False)
    if completed.returncode:
        raise SystemExit(completed.returncode)
    return False


class QueryCounter:
    """Counts queries, reads (SELECT) apart, without keeping their SQL: install with
    `connection.execute_wrapper(counter)`. CaptureQueriesContext keeps at most 9,000 queries
    and every statement's text (hundreds of MB for big INSERT batches)."""

    def __init__(self):
        self.reads = self.writes = 0

    @property
    def total(self):
        return self.reads + self.writes

    def __call__(self, execute, sql, params, many, context):
        if sql.lstrip()[:6].upper() == "SELECT":
            self.reads += 1
        else:
            self.writes += 1
        return execute(sql, params, many, context)


def rss_mb():
    """The process's resident memory now (MB), from /proc (Linux)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def peak_rss_mb():
    """The process's peak resident memory so far (MB): ru_maxrss, KB on Linux."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_xlsx(path, rows, sheet_name="Sheet1"):
    """Write rows (lists of str / int / float / None) as a minimal .xlsx, streaming: inline
    strings, no styles. openpyxl takes minutes for 220,000 rows; this takes seconds."""
    import zipfile
    from xml.sax.saxutils import escape

    def column(index):
        name = ""
        index += 1
        while index:
            index, rest = divmod(index - 1, 26)
            name = chr(65 + rest) + name
        return name

    letters = [column(i) for i in range(64)]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        archive.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<sheets><sheet name="{escape(sheet_name)}" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>",
        )
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            )
            buffer = []
            for number, row in enumerate(rows, start=1):
                cells = []
                for i, value in enumerate(row):
                    if value is None or value == "":
                        continue
                    ref = f"{letters[i]}{number}"
                    if isinstance(value, (int, float)):
                        cells.append(f'<c r="{ref}"><v>{value}</v></c>')
                    else:
                        cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>')
                buffer.append(f'<row r="{number}">{"".join(cells)}</row>')
                if len(buffer) >= 2000:
                    sheet.write("".join(buffer).encode("utf-8"))
                    buffer = []
            sheet.write("".join(buffer).encode("utf-8"))
            sheet.write(b"</sheetData></worksheet>")


def row_by_row_import(resource, dataset):
    """django-import-export's default path: Resource.import_data, a lookup and a save per row."""
    result = resource.import_data(dataset, dry_run=False, raise_errors=True, use_transactions=True)
    return result
