/* 大屏: pages through the standings when they do not fit on one screen, and picks up a new
 * publication (or a withdrawal) without anyone touching the projector.
 *
 * Paging: the rows are split into pages by their measured heights (whatever the screen's
 * resolution), one page every data-page-seconds, with a "page 1 of 3" indicator. Arrow keys
 * turn the page by hand, the space bar pauses. The fade between pages is CSS, left out for
 * viewers who ask for reduced motion.
 *
 * Refresh: every data-refresh-seconds the page fetches itself and reloads only when the
 * fingerprint of what it shows (body[data-version]) has changed. A failed fetch (network or
 * server down) keeps the current screen: the projector never ends up on a browser error page. */
(function () {
  "use strict";

  var body = document.body;
  var version = body.getAttribute("data-version");
  var refreshSeconds = Number(body.getAttribute("data-refresh-seconds")) || 30;
  var pageSeconds = Number(body.getAttribute("data-page-seconds")) || 10;
  var pageLabel = body.getAttribute("data-page-label") || "{page} / {pages}";

  function checkForNewResults() {
    if (!window.fetch) { window.location.reload(); return; }
    window.fetch(window.location.href, { cache: "no-store", credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        var found = html && html.match(/<body[^>]*\sdata-version="([^"]*)"/);
        if (found && found[1] !== version) window.location.reload();
      })
      .catch(function () { /* keep showing what is there; try again at the next tick */ });
  }
  window.setInterval(checkForNewResults, refreshSeconds * 1000);

  var standings = document.querySelector("[data-standings]");
  var pager = document.querySelector("[data-pager]");
  if (!standings || !pager) return;
  var head = standings.querySelector("thead");
  var rows = Array.prototype.slice.call(standings.querySelectorAll("tbody tr[data-row]"));
  if (!rows.length) return;

  var pages = [];
  var current = 0;
  var paused = false;
  var timer = null;

  body.classList.add("is-paged");

  function paginate() {
    rows.forEach(function (row) { row.hidden = false; });
    var room = standings.clientHeight - (head ? head.offsetHeight : 0);
    var result = [];
    var page = [];
    var used = 0;
    rows.forEach(function (row) {
      var height = row.getBoundingClientRect().height;
      if (page.length && used + height > room) {
        result.push(page);
        page = [];
        used = 0;
      }
      page.push(row);
      used += height;
    });
    if (page.length) result.push(page);
    return result;
  }

  function show(index, animate) {
    current = (index + pages.length) % pages.length;
    var visible = pages[current];
    rows.forEach(function (row) { row.hidden = visible.indexOf(row) === -1; });
    visible.forEach(function (row, i) { row.classList.toggle("is-stripe", i % 2 === 1); });
    if (pages.length > 1) {
      pager.textContent = pageLabel.replace("{page}", current + 1).replace("{pages}", pages.length);
      pager.hidden = false;
    } else {
      pager.hidden = true;
    }
    if (animate) {
      standings.classList.remove("is-turning");
      void standings.offsetWidth; // restart the fade
      standings.classList.add("is-turning");
    }
  }

  function schedule() {
    window.clearInterval(timer);
    timer = null;
    if (!paused && pages.length > 1) {
      timer = window.setInterval(function () { show(current + 1, true); }, pageSeconds * 1000);
    }
  }

  function layout() {
    pages = paginate();
    show(Math.min(current, pages.length - 1), false);
    schedule();
  }

  var resizeTimer = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(layout, 200);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "ArrowRight" || event.key === "PageDown") {
      show(current + 1, true);
      schedule();
    } else if (event.key === "ArrowLeft" || event.key === "PageUp") {
      show(current - 1, true);
      schedule();
    } else if (event.key === " ") {
      paused = !paused;
      schedule();
      event.preventDefault();
    }
  });

  // Web fonts or late layout may change the rows' heights: measure once everything is in.
  layout();
  if (document.readyState !== "complete") window.addEventListener("load", layout);
})();
