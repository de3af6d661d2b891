"""The deployable stack in deploy/ (issue "Production as it runs"): the files an administrator
installs must be valid as they stand. The stack itself is started and smoke-tested by
`make prod-smoke`, outside the test suite."""

import configparser
import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"


def load_stack(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("prod_local_stack", DEPLOY / "local" / "stack.py")
    stack = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(stack)
    monkeypatch.setattr(stack, "STATE", tmp_path)
    monkeypatch.setattr(stack, "RUN", tmp_path / "run")
    (tmp_path / "run").mkdir()
    return stack


def test_every_placeholder_of_the_nginx_files_is_filled(tmp_path, monkeypatch):
    stack = load_stack(tmp_path, monkeypatch)
    stack.nginx_render()
    for name in ("nginx.conf", "frontline-common.conf", "frontline-proxy.conf"):
        text = (tmp_path / "nginx" / name).read_text()
        assert not re.findall(r"__[A-Z0-9_]+__", text), name
    common = (tmp_path / "nginx" / "frontline-common.conf").read_text()
    assert "internal;" in common and "X-Request-ID" in common and "client_max_body_size" in common
    assert "X-Request-Start" in (tmp_path / "nginx" / "frontline-proxy.conf").read_text()


@pytest.mark.skipif(not (shutil.which("nginx") and shutil.which("openssl")), reason="needs Debian's nginx and openssl")
def test_the_local_stacks_nginx_configuration_is_valid(tmp_path, monkeypatch):
    stack = load_stack(tmp_path, monkeypatch)
    stack.certificate_ensure()
    conf = stack.nginx_render()
    result = subprocess.run(["nginx", "-t", "-p", str(tmp_path / "run"), "-c", str(conf), "-e", "stderr"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_the_production_site_uses_the_shared_locations():
    site = (DEPLOY / "nginx" / "frontline.conf").read_text()
    assert "include __NGINX_DIR__/frontline-common.conf;" in site
    assert "upstream frontline_app" in site and "ssl_certificate" in site


def units():
    for path in sorted((DEPLOY / "systemd").glob("frontline-*.service")):
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.optionxform = str
        parser.read(path)
        yield path, parser


def test_every_unit_runs_a_command_that_exists():
    commands = set(get_commands())
    seen = set()
    for path, unit in units():
        start = unit["Service"]["ExecStart"]
        assert unit["Service"]["EnvironmentFile"] == "/etc/frontline/frontline.env", path.name
        match = re.search(r"manage\.py (\w+)", start)
        if match:
            assert match.group(1) in commands, path.name
            seen.add(match.group(1))
        else:
            assert (ROOT / start.split("/app/", 1)[1].split()[0]).exists(), path.name
    assert {"db_worker", "exams_housekeeping", "send_learning_reminders", "finalize_evaluations"} <= seen


def test_every_oneshot_has_its_timer():
    for path, unit in units():
        if unit["Service"].get("Type") == "oneshot":
            timer = path.with_suffix(".timer")
            assert timer.exists(), path.name
            assert "OnCalendar=" in timer.read_text()


def test_the_local_procfile_runs_two_hosts_a_worker_and_nginx(tmp_path, monkeypatch):
    stack = load_stack(tmp_path, monkeypatch)
    monkeypatch.setattr(stack, "STATE", tmp_path)
    stack.procfile_write({"DJANGO_SETTINGS_MODULE": "config.settings.prod_local"}, tmp_path / "nginx.conf")
    lines = dict(line.split(": ", 1) for line in (tmp_path / "Procfile").read_text().splitlines())
    assert set(lines) == {"nginx", "app1", "app2", "worker", "clock"}
    ports = {re.search(r"--bind 127.0.0.1:(\d+)", lines[name]).group(1) for name in ("app1", "app2")}
    assert len(ports) == 2
    assert "db_worker" in lines["worker"]


def test_gunicorn_configuration_reads_the_environment(monkeypatch):
    monkeypatch.setenv("GUNICORN_WORKERS", "3")
    monkeypatch.setenv("GUNICORN_BIND", "0.0.0.0:9000")
    spec = importlib.util.spec_from_file_location("gunicorn_conf", DEPLOY / "gunicorn.conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    assert conf.workers == 3 and conf.bind == "0.0.0.0:9000" and conf.worker_class == "gthread"
    assert "x-request-id" in conf.access_log_format
