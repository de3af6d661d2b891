"""Certificates: the owner's printable page (A4 landscape print CSS, verification code and
an inline QR code of the public verification URL), and the public verification page."""

import datetime as dt
import re

import pytest
import segno
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone

from courses import services
from home.qr import mask_name
from tests.courses.portal_builders import make_assignment, make_course, make_sections

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(home_page, staff_member):
    course = make_course(make_sections(home_page)[0], title="窗口服务礼仪", lessons=1, hours="2.5")
    make_assignment(course, staff_member, timezone.localdate() + dt.timedelta(days=3))
    services.lesson_submit(staff=staff_member, lesson=course.lessons().first(), answers=[[2]])
    return staff_member.certificates.get()


def test_the_owner_sees_a_printable_certificate_with_code_and_qr(client, staff_member, certificate):
    client.force_login(staff_member.user)
    response = client.get(reverse("courses:certificate", args=[certificate.code]))
    assert response.status_code == 200
    html = response.content.decode()
    verify_url = "http://testserver" + reverse("courses:certificate_verify", args=[certificate.code])
    assert "张晓梅" in html and "窗口服务礼仪" in html and "2.5 学时" in html
    assert certificate.code in html and verify_url in html
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert svg == segno.make(verify_url, error="m").svg_inline(scale=4, border=2, dark="#111827")
    assert "certificate.css" in html and "data-print" in html
    assert "<script>" not in html  # the print button is wired from a static file (CSP)
    with open(finders.find("courses/certificate.css"), encoding="utf-8") as fh:
        css = fh.read()
    assert "@page { size: A4 landscape" in css and "@media print" in css


def test_case_of_the_code_does_not_matter(client, staff_member, certificate):
    client.force_login(staff_member.user)
    assert client.get(reverse("courses:certificate", args=[certificate.code.lower()])).status_code == 200


def test_nobody_else_sees_the_certificate_page(client, other_staff, certificate, role_users, client_for):
    url = reverse("courses:certificate", args=[certificate.code])
    assert client.get(url).status_code == 302  # log in first
    client.force_login(other_staff.user)
    assert client.get(url).status_code == 404
    assert client_for(role_users["trainer"]).get(url).status_code == 403


def test_public_verification_shows_a_masked_name_course_hours_and_date(client, certificate):
    response = client.get(reverse("courses:certificate_verify", args=[certificate.code]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "证书有效" in html
    assert '<dd data-field="name">张**</dd>' in html and "张晓梅" not in html
    assert '<dd data-field="course">窗口服务礼仪</dd>' in html
    assert '<dd data-field="hours">2.5</dd>' in html
    assert f'<dd data-field="date">{timezone.localdate(certificate.issued_at):%Y-%m-%d}</dd>' in html
    assert "S10001" not in html  # no staff number on the public page


def test_an_unknown_code_is_a_clear_404(client, certificate):
    response = client.get(reverse("courses:certificate_verify", args=["NOSUCHCODE23"]))
    assert response.status_code == 404
    html = response.content.decode()
    assert "证书无效" in html and "NOSUCHCODE23" in html and "证书有效" not in html


def test_mask_name():
    assert [mask_name(n) for n in ("张晓梅", "李明", "王", "", "欧阳娜娜")] == ["张**", "李*", "王", "", "欧***"]
