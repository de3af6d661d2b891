"""Smoke test of a running production stack, through nginx (deploy/local/stack.py smoke).

What a person would try first: the health check; a staff member logs in and an exam answer is
saved (and a repeat of the same save changes nothing); a rating arrives through the API (and a
retry of it counts once); HR opens the admin; a private file is refused without login and can
never be fetched from nginx's internal location. Prints one line a check; exit status 1 when one
fails. Uses the demo accounts (the stack loads the demo data).
"""

import http.cookiejar
import json
import os
import re
import secrets
import ssl
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Frontline-demo-2026"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """Cookies, the CSRF token and the Referer, as a browser sends them; redirects not followed."""

    def __init__(self, base_url, cafile):
        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        context = ssl.create_default_context(cafile=str(cafile))
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), urllib.request.HTTPSHandler(context=context), NoRedirect)

    def csrf(self):
        return next((c.value for c in self.jar if c.name == "csrftoken"), "")

    def request(self, method, path, data=None, headers=None, json_body=None):
        headers = dict(headers or {})
        body = None
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        elif data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if method == "POST":
            headers.setdefault("X-CSRFToken", self.csrf())
            headers.setdefault("Referer", self.base_url + path)
        req = urllib.request.Request(self.base_url + path, data=body, headers=headers, method=method)
        try:
            with self.opener.open(req, timeout=30) as response:
                return response.status, dict(response.headers), response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read().decode("utf-8", "replace")

    def login(self, username):
        self.request("GET", "/accounts/login/")
        status, headers, _body = self.request("POST", "/accounts/login/", data={
            "username": username, "password": PASSWORD, "csrfmiddlewaretoken": self.csrf()})
        return status == 302 and "/accounts/login/" not in headers.get("Location", "")


class Checks:
    def __init__(self):
        self.failed = 0

    def check(self, name, ok, detail=""):
        print(f"{'ok  ' if ok else 'FAIL'} {name}{(': ' + detail) if detail and not ok else ''}", flush=True)
        if not ok:
            self.failed += 1
        return ok


def exam_save(browser, checks):
    status, _h, page = browser.request("GET", "/me/exams/")
    exam_ids = sorted(set(int(i) for i in re.findall(r'href="/me/exams/(\d+)/"', page)))
    for exam_id in exam_ids:
        status, headers, _b = browser.request("POST", f"/me/exams/{exam_id}/start/", data={})
        match = re.search(r"/me/exams/attempts/(\d+)/$", headers.get("Location", ""))
        if status == 302 and match:
            break
    else:
        return checks.check("an exam to start", False, f"none of {exam_ids} could be started")
    status, _h, take = browser.request("GET", match.group(0))
    config = json.loads(re.search(r'<script id="exam-config" type="application/json">(.*?)</script>', take,
                                  re.S).group(1))
    position = int(re.search(r'data-position="(\d+)" data-qtype="(single|truefalse)"', take).group(1))
    qtype = re.search(rf'data-position="{position}" data-qtype="(\w+)"', take).group(1)
    if qtype == "single":
        response = [re.search(rf'name="q{position}" value="([A-Z])"', take).group(1)]
    else:
        response = "true"
    save = {"position": position, "response": response, "seq": config["seq"] + 1}
    status, headers, body = browser.request("POST", config["saveUrl"], json_body=save)
    checks.check("an exam answer is saved through nginx", status == 200 and json.loads(body).get("stored") is True,
                 f"{status} {body[:200]}")
    checks.check("the answer carries a request id", bool(headers.get("X-Request-ID")))
    status, _h, body = browser.request("POST", config["saveUrl"], json_body=save)
    checks.check("the same save again changes nothing", status == 200 and json.loads(body).get("stored") is False,
                 f"{status} {body[:200]}")


def rating_via_api(base_url, cafile, env, checks):
    made = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "manage.py", "rating_source_create",
                           "--name", f"冒烟测试{secrets.token_hex(3)}", "--kind", "device"],
                          cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, check=True)
    token = made.stdout.strip().splitlines()[-1].strip()
    browser = Browser(base_url, cafile)
    rating = {"ticket_no": f"SMOKE-{secrets.token_hex(6)}", "staff_no": "CD1001", "level": "非常满意",
              "channel": "评价器", "rated_at": (datetime.now(timezone.utc) - timedelta(minutes=5)).isoformat()}
    auth = {"Authorization": f"Bearer {token}"}
    status, _h, body = browser.request("POST", "/api/v1/ratings", json_body=rating, headers=auth)
    checks.check("a rating arrives through the API", status == 201, f"{status} {body[:300]}")
    status, _h, body = browser.request("POST", "/api/v1/ratings", json_body=rating, headers=auth)
    checks.check("the same rating again counts once", status == 200, f"{status} {body[:300]}")
    status, _h, _b = browser.request("POST", "/api/v1/ratings", json_body=rating,
                                     headers={"Authorization": "Bearer not-a-token"})
    checks.check("a wrong token is refused", status == 401, str(status))


def private_file(base_url, cafile, env, checks):
    name = f"imports/smoke-{secrets.token_hex(8)}.txt"
    path = Path(env["DJANGO_PRIVATE_MEDIA_ROOT"]) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("身份证号 110101199003070000")
    try:
        anonymous = Browser(base_url, cafile)
        status, headers, body = anonymous.request("GET", f"/private/{name}")
        checks.check("a private file is refused without login", status in (302, 403, 404) and "身份证号" not in body,
                     str(status))
        status, _h, body = anonymous.request("GET", f"/_private/{name}")
        checks.check("nginx's internal location cannot be fetched", status == 404 and "身份证号" not in body,
                     str(status))
        status, _h, body = anonymous.request("GET", f"/media/../private_media/{name}")
        checks.check("no way round through /media/", "身份证号" not in body, str(status))
    finally:
        path.unlink(missing_ok=True)


def main(*, base_url, env, cafile):
    checks = Checks()
    anonymous = Browser(base_url, cafile)
    status, _h, body = anonymous.request("GET", "/internal/health/?format=json")
    checks.check("health through nginx", status == 200, f"{status} {body[:300]}")
    status, headers, _b = anonymous.request("GET", "/static/img/favicon.svg")
    checks.check("static files from nginx with a year's caching",
                 status == 200 and "immutable" in headers.get("Cache-Control", ""), f"{status} {headers}")
    status, _h, _b = anonymous.request("GET", "/accounts/login/")
    checks.check("the login page", status == 200, str(status))

    staff = Browser(base_url, cafile)
    if checks.check("window staff logs in", staff.login("staff")):
        exam_save(staff, checks)
        status, _h, _b = staff.request("GET", "/admin/")
        checks.check("staff cannot open the admin", status in (302, 403), str(status))

    hr = Browser(base_url, cafile)
    if checks.check("HR logs in", hr.login("hr")):
        status, _h, body = hr.request("GET", "/admin/")
        checks.check("HR opens the admin", status == 200 and "wagtail" in body.lower(), str(status))

    rating_via_api(base_url, cafile, env, checks)
    private_file(base_url, cafile, env, checks)
    print(f"{'smoke test passed' if not checks.failed else f'{checks.failed} checks FAILED'}", flush=True)
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import stack

    sys.exit(main(base_url=f"https://localhost:{stack.HTTPS_PORT}", env=stack.environment(),
                  cafile=stack.RUN / "tls.crt"))
