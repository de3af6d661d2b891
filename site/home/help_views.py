"""The user guides of docs/ (Markdown, Chinese, by role), served inside the product.

Government intranets cannot reach a code host, so the guides that ship with the code
are rendered here, for every logged-in user, with their screenshots.
"""

import re
from functools import lru_cache
from pathlib import Path

import markdown
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.safestring import mark_safe

DOCS_DIR = Path(settings.BASE_DIR) / "docs"
GUIDE_NAME_RE = re.compile(r"^[a-z0-9-]+$")
SCREENSHOT_NAME_RE = re.compile(r"^[a-z0-9-]+\.png$")


@lru_cache(maxsize=64)
def _render_guide(path, mtime):
    text = path.read_text(encoding="utf-8")
    # Guides link to each other and to screenshots with repository-relative paths.
    text = re.sub(r"\]\((?!https?://)([a-z0-9-]+)\.md\)", r"](../\1/)", text)
    text = text.replace("](screenshots/", "](../screenshots/")
    md = markdown.Markdown(extensions=["tables", "toc", "sane_lists"])
    html = md.convert(text)
    title = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), path.stem)
    return title, html


def guide_list():
    guides = []
    for path in sorted(DOCS_DIR.glob("*.md")):
        if path.stem.lower() == "readme":
            continue
        title, _html = _render_guide(path, path.stat().st_mtime)
        guides.append({"slug": path.stem, "title": title})
    return guides


@login_required
def help_index(request):
    readme = DOCS_DIR / "README.md"
    intro = _render_guide(readme, readme.stat().st_mtime)[1] if readme.exists() else ""
    return render(request, "home/help_index.html", {"guides": guide_list(), "intro": mark_safe(intro)})  # noqa: S308


@login_required
def help_guide(request, slug):
    path = DOCS_DIR / f"{slug}.md"
    if not GUIDE_NAME_RE.match(slug) or not path.is_file():
        raise Http404
    title, html = _render_guide(path, path.stat().st_mtime)
    return render(
        request,
        "home/help_guide.html",
        {"title": title, "html": mark_safe(html), "guides": guide_list()},  # noqa: S308 - our own docs
    )


@login_required
def help_screenshot(request, name):
    path = DOCS_DIR / "screenshots" / name
    if not SCREENSHOT_NAME_RE.match(name) or not path.is_file():
        raise Http404
    return FileResponse(path.open("rb"), content_type="image/png")
