"""axe-core (bundled by axe-playwright-python; nothing is fetched at run time) in every
browser journey: each document a test's page loads is scanned in the page itself once it
has loaded, and the page's current state again at each `screenshot` and at teardown.
Serious and critical WCAG 2.1 A/AA violations fail the test unless listed in EXCEPTIONS."""

import json
import os
import re
from dataclasses import dataclass, field

from axe_playwright_python.base import AXE_SCRIPT

# FRONTLINE_AXE=0 turns the scans off (to time the suite without them).
ENABLED = os.environ.get("FRONTLINE_AXE", "1") != "0"
FAILING_IMPACTS = ("serious", "critical")
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}

# (rule id, URL path regex, CSS target regex, why). Only upstream defects belong here,
# each with its issue number; Frontline's own templates are fixed instead.
EXCEPTIONS = [
    (
        "aria-input-field-name",
        r"^/admin/pages/",
        r"\.notranslate|\.public-DraftEditor-content",
        "Wagtail #14205: Draftail rich-text boxes have no accessible name",
    ),
]

# The init script: top-level documents only (not iframes), HTML only. `scan()` waits for
# the load-time scan, as axe refuses to run twice at once.
_IN_PAGE = """
(() => {
  if (window !== window.top || !document.contentType || !document.contentType.includes("html")) return;
  __AXE__
  const options = __OPTIONS__;
  const impacts = new Set(__IMPACTS__);
  const summarise = (results) => results.violations
    .filter((violation) => impacts.has(violation.impact))
    .map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      nodes: violation.nodes.map((node) => ({
        target: node.target.join(" "),
        html: node.html.slice(0, 200),
        message: [...node.any, ...node.all, ...node.none].map((check) => check.message).join(" "),
      })),
    }));
  // Colours are measured once fade-ins (Wagtail's messages) have ended, at most a second on.
  const settled = () => Promise.race([
    Promise.all(document.getAnimations()
      .filter((animation) => animation.effect?.getTiming().iterations !== Infinity)
      .map((animation) => animation.finished.catch(() => null))),
    new Promise((resolve) => setTimeout(resolve, 1000)),
  ]);
  const moving = () => document.getAnimations().some(
    (animation) => animation.playState === "running" && animation.effect?.getTiming().iterations !== Infinity
  );
  // With a modal dialog open (Wagtail's choosers) the page behind it is inert and dimmed:
  // only the dialog is scanned.
  // A dialog that is closing (Bootstrap's fade without `.show`) is half transparent over the
  // page: it is left out rather than measured mid-fade.
  const target = () => [...document.querySelectorAll('[aria-modal="true"], dialog[open], [role="dialog"].show')]
    .find((element) => element.getClientRects().length > 0)
    || {exclude: [[".modal:not(.show)"], [".modal-backdrop"]]};
  // A test's clicks can open a dialog or start a fade while axe measures colours: such a
  // scan saw two states at once, and is taken again once the page has settled.
  const once = (attempt) => settled()
    .then(() => axe.run(target(), options))
    .then((results) => (moving() && attempt < 2 ? once(attempt + 1) : summarise(results)));
  let running = Promise.resolve();
  const scan = () => {
    running = running.catch(() => null).then(() => once(0));
    return running;
  };
  window.__frontlineAxeScan = scan;
  window.addEventListener("load", () => {
    scan().then((violations) => window.__frontlineAxeReport(location.href, violations), () => null);
  });
})();
"""


def init_script():
    return (
        _IN_PAGE.replace("__OPTIONS__", json.dumps(AXE_OPTIONS))
        .replace("__IMPACTS__", json.dumps(list(FAILING_IMPACTS)))
        .replace("__AXE__", AXE_SCRIPT)
    )


def _path(url):
    return re.sub(r"^[a-z]+://[^/]+", "", url)


def _excepted(rule, url, target):
    return any(
        rule == rule_id and re.search(path, _path(url)) and re.search(selector, target)
        for rule_id, path, selector, _why in EXCEPTIONS
    )


@dataclass
class AxeRecorder:
    """Collects the violations reported by every page of one test."""

    scanned: list = field(default_factory=list)
    violations: dict = field(default_factory=dict)  # (rule, path, target) -> (impact, help, html)

    def report(self, url, violations):
        self.scanned.append(_path(url))
        for violation in violations:
            for node in violation["nodes"]:
                if _excepted(violation["id"], url, node["target"]):
                    continue
                key = (violation["id"], _path(url), node["target"])
                self.violations.setdefault(
                    key, (violation["impact"], f'{violation["help"]}: {node.get("message", "")}', node["html"])
                )

    def attach(self, context):
        if not ENABLED:
            return
        context.expose_binding("__frontlineAxeReport", lambda _source, url, violations: self.report(url, violations))
        context.add_init_script(init_script())

    def scan(self, page):
        """Scan the page's current state (after the test's clicks and typing)."""
        if not ENABLED or page.is_closed() or not page.url.startswith("http"):
            return
        violations = page.evaluate("() => window.__frontlineAxeScan ? window.__frontlineAxeScan() : null")
        if violations is not None:
            self.report(page.url, violations)

    def failure(self):
        if not self.violations:
            return None
        lines = [f"{len(self.violations)} serious/critical accessibility violation(s) (axe-core, WCAG 2.1 A/AA):"]
        for (rule, path, target), (impact, help_text, html) in sorted(self.violations.items()):
            lines.append(f"  [{impact}] {rule} on {path}: {target}\n      {help_text}\n      {html}")
        return "\n".join(lines)
