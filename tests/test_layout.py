"""Guards DESIGN's layout: `site/` is a plain folder, never a package, because `site`
is the standard-library module Python imports at start-up."""

import importlib.util
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
SITE_DIR = ROOT / "site"

TOP_LEVEL = ["site", "courses", "exams", "assessment", "competitions", "tests"]
TOP_LEVEL_FILES = ["manage.py", "requirements.txt", "pyproject.toml", "Makefile", "README.md"]
APPS = ["home", "people", "courses", "exams", "competitions", "assessment"]


def test_site_is_not_a_package():
    assert SITE_DIR.is_dir()
    assert not (SITE_DIR / "__init__.py").exists(), "site/ must never become a package"


def test_stdlib_site_module_is_the_one_loaded():
    import site

    stdlib = Path(sysconfig.get_paths()["stdlib"]).resolve()
    loaded = Path(site.__file__).resolve()
    assert loaded.parent == stdlib, loaded
    assert ROOT not in loaded.parents
    assert hasattr(site, "getsitepackages")


def test_stdlib_site_module_is_loaded_by_manage_py():
    """Under manage.py (site/ first on sys.path) `site` is still the standard library's."""
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", "import site, config; print(site.__file__); print(config.__file__)"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert ROOT not in Path(out[-2]).resolve().parents
    assert Path(out[-1]).resolve().parent == SITE_DIR / "config"


@pytest.mark.parametrize("name", ["config", "home", "people"])
def test_site_packages_import_from_the_site_folder(name):
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.origin is not None
    assert Path(spec.origin).resolve().parent.parent == SITE_DIR


def test_settings_module_is_the_test_one():
    assert os.environ["DJANGO_SETTINGS_MODULE"] == "config.settings.test"
    assert settings.SETTINGS_MODULE == "config.settings.test"


def test_gitignore_keeps_the_site_folder():
    lines = [
        line.strip()
        for line in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    for pattern in ("site", "site/", "/site", "/site/"):
        assert pattern not in lines, f".gitignore ignores the project's {pattern}"


def test_git_does_not_ignore_site_files():
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    result = subprocess.run(
        ["git", "check-ignore", "-q", "site/config/settings/base.py"], cwd=ROOT, capture_output=True
    )
    assert result.returncode == 1, "git ignores site/ files"


@pytest.mark.parametrize("name", TOP_LEVEL)
def test_top_level_folders(name):
    assert (ROOT / name).is_dir()


@pytest.mark.parametrize("name", TOP_LEVEL_FILES)
def test_top_level_files(name):
    assert (ROOT / name).is_file()


@pytest.mark.parametrize("label", APPS)
def test_apps_are_installed(label):
    assert apps.is_installed(label) or label in {a.label for a in apps.get_app_configs()}
    app_dir = Path(apps.get_app_config(label).path).resolve()
    expected = SITE_DIR / label if label in {"home", "people"} else ROOT / label
    assert app_dir == expected
