"""Language, time zone, production settings, databases and locally served assets."""

import os
import subprocess
import sys
from pathlib import Path

import dj_database_url
import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

ROOT = Path(__file__).resolve().parent.parent

# Dummy production environment: long enough and varied enough for check --deploy.
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "ci-only-9f3Kq!x7Lm#2Vb8Zr$4Tn6Wd@1Yh5Jc0Pg&3Se7Ua9Ro2Ki4Nf6Hq8",
    "DJANGO_ALLOWED_HOSTS": "frontline.example.gov.cn,localhost",
}


def test_language_and_time_zone():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_I18N and settings.USE_TZ
    assert "en" in dict(settings.LANGUAGES)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url, expected",
    [
        ("/accounts/login/", ["登录", 'lang="zh-hans"']),
        ("/admin/login/", ["登录"]),
    ],
)
def test_login_pages_render_in_chinese(client, url, expected):
    response = client.get(url)
    assert response.status_code == 200
    content = response.content.decode()
    for text in expected:
        assert text in content


@pytest.mark.django_db
def test_chinese_whatever_the_browser_language_and_english_on_request(client):
    # A shared PC's English browser still gets the product's default language...
    response = client.get("/accounts/login/", headers={"accept-language": "en"})
    assert "登录" in response.content.decode() and "Log in" not in response.content.decode()
    # ...and a user who picks English in the footer gets English.
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    response = client.get("/accounts/login/")
    assert "Log in" in response.content.decode()
    assert response.headers["Content-Language"] == "en"


def _run_manage(*args, env_extra=None):
    # A clean environment: no DJANGO_* and no DATABASE_URL from the test run leak in.
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k != "DATABASE_URL"}
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_check_deploy():
    result = _run_manage("check", "--deploy", "--fail-level", "WARNING", env_extra=PRODUCTION_ENV)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNING" not in output and "ERROR" not in output, output


def test_production_settings_require_a_secret_key():
    env = dict(PRODUCTION_ENV)
    del env["DJANGO_SECRET_KEY"]
    result = _run_manage("check", env_extra=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_settings_read_hosts_and_database_from_env():
    code = (
        "from django.conf import settings as s; "
        "print(s.DEBUG, ','.join(s.ALLOWED_HOSTS), s.DATABASES['default']['ENGINE'], "
        "s.STORAGES['staticfiles']['BACKEND'])"
    )
    env = dict(PRODUCTION_ENV, DATABASE_URL="postgres://frontline@db.internal:5432/frontline")
    result = _run_manage("shell", "--no-imports", "-c", code, env_extra=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == [
        "False",
        "frontline.example.gov.cn,localhost",
        "django.db.backends.postgresql",
        "whitenoise.storage.CompressedManifestStaticFilesStorage",
    ]


@pytest.mark.parametrize(
    "url, engine, name",
    [
        ("postgres://postgres@127.0.0.1:5432/frontline", "django.db.backends.postgresql", "frontline"),
        ("sqlite:////var/lib/frontline/db.sqlite3", "django.db.backends.sqlite3", "/var/lib/frontline/db.sqlite3"),
    ],
)
def test_database_url_parsing(url, engine, name):
    config = dj_database_url.parse(url)
    assert config["ENGINE"] == engine
    assert config["NAME"] == name


def test_default_database_is_sqlite_under_the_project():
    """Without DATABASE_URL, `make run` needs no server: SQLite in the project folder."""
    code = "from django.conf import settings as s; d = s.DATABASES['default']; print(d['ENGINE'], d['NAME'])"
    result = _run_manage(
        "shell", "--no-imports", "-c", code, env_extra={"DJANGO_SETTINGS_MODULE": "config.settings.dev"}
    )
    assert result.returncode == 0, result.stderr
    engine, name = result.stdout.splitlines()[-1].split()
    assert engine == "django.db.backends.sqlite3"
    assert Path(name) == ROOT / "db.sqlite3"


def test_database_url_selects_the_test_database_engine():
    engine = settings.DATABASES["default"]["ENGINE"]
    if os.environ.get("DATABASE_URL"):
        assert engine == dj_database_url.parse(os.environ["DATABASE_URL"])["ENGINE"]
    else:
        assert engine == "django.db.backends.sqlite3"


def test_tasks_run_immediately_in_tests():
    assert settings.TASKS["default"]["BACKEND"] == "django_tasks.backends.immediate.ImmediateBackend"


def test_plotly_js_is_served_locally():
    found = finders.find("plotly/plotly-frontline.min.js")
    assert found, "our plotly.js bundle is not among the static files"
    assert Path(found).stat().st_size > 1_000_000
    # The full 4.8 MB plotly.min.js of the plotly package is no longer a static file.
    assert finders.find("plotly/plotly.min.js") is None


@pytest.mark.django_db
def test_plotly_js_url_is_local():
    from home.charts import plotly_js_url

    assert plotly_js_url() == "/static/plotly/plotly-frontline.min.js"
