/* The live quiz show's big screen: polls the screen state (through the secret link) and shows
 * the lobby, the question with its countdown and who buzzed first (and by how much), the
 * answer, or the scoreboard, whose changes are animated; the final standings once the show is
 * finished. The host's switch (follow the show / lobby / scoreboard) decides which. A reload
 * shows the same, as everything comes from the server. */
(function () {
  "use strict";

  var Q = window.QuizClient;
  var root = document.querySelector("[data-quiz-screen]");
  var config = Q && Q.config("quiz-config");
  if (!root || !config) return;
  var msg = Q.messages(root);
  var el = Q.el;
  var state = null;
  var shownPoints = null; // {entry: points} last drawn, to animate what changed
  var answerClock = { key: null, started: 0 };
  var drawnBoard = null;

  function $(selector) { return root.querySelector(selector); }

  var poller = new Q.Poller({
    url: config.state,
    interval: config.poll_ms,
    onState: render,
    onStatus: function (status) {
      var node = $("[data-connection]");
      node.textContent = status === "online" ? "" : msg("offline");
    }
  });

  function view(s) {
    if (s.phase === "finished") return "scoreboard";
    if (s.screen_mode === "lobby" || s.screen_mode === "scoreboard") return s.screen_mode;
    return s.phase === "lobby" || !s.question ? "lobby" : "question";
  }

  function render(s) {
    state = s;
    var current = view(s);
    root.setAttribute("data-view", current);
    root.setAttribute("data-phase", s.phase);
    $("[data-view-lobby]").hidden = current !== "lobby";
    $("[data-view-question]").hidden = current !== "question";
    $("[data-view-scoreboard]").hidden = current !== "scoreboard";
    var title = $("[data-board-title]");
    title.textContent = title.getAttribute(s.phase === "finished" ? "data-final" : "data-live");
    renderQuestion(s);
    // The boards are drawn again only when they change, so an animation runs once.
    var boardKey = JSON.stringify([s.scoreboard, s.answering]);
    if (boardKey !== drawnBoard) {
      drawnBoard = boardKey;
      var changed = changes(s);
      renderBoard(s, changed);
      renderMini(s, changed);
    }
    tick();
  }

  // Which teams' points changed since the last drawing (none on the first).
  function changes(s) {
    var changed = {};
    var points = {};
    s.scoreboard.forEach(function (row) {
      points[row.entry] = row.points;
      if (shownPoints && shownPoints[row.entry] !== undefined && shownPoints[row.entry] !== row.points) {
        changed[row.entry] = row.points - shownPoints[row.entry];
      }
    });
    shownPoints = points;
    return changed;
  }

  function renderQuestion(s) {
    var q = s.question;
    $("[data-q-segment]").textContent = q ? q.segment_label : "";
    $("[data-q-order]").textContent = q ? msg("question", { n: q.order }) : "";
    $("[data-q-text]").textContent = q ? q.text : "";
    $("[data-floor]").textContent = s.answering ? msg("floor", { team: s.answering_name }) : "";
    $("[data-gap]").textContent = gapText(s);
    var stake = "";
    if (q && q.segment === "risk" && s.answering) {
      stake = s.stake === null ? msg("stake-waiting", { team: s.answering_name })
        : s.stake === 0 ? msg("declined", { team: s.answering_name }) : msg("stake", { n: s.stake });
    }
    $("[data-stake]").textContent = stake;
    var revealed = !!q && q.answer !== undefined;
    $("[data-answer-box]").hidden = !revealed;
    $("[data-answer]").textContent = revealed ? q.answer : "";
  }

  // Who buzzed first and by how much (近同时 under 30 ms), or the last foul.
  function gapText(s) {
    var valid = s.buzzes.filter(function (b) { return !b.foul && b.gap_ms !== null; });
    var winner = valid.filter(function (b) { return b.winner; })[0];
    if (winner && s.answering === winner.entry) {
      var second = valid.filter(function (b) { return !b.winner; })[0];
      if (!second) return msg("alone");
      var ms = second.gap_ms.toFixed(1);
      return msg(second.near ? "near" : "lead", { ms: ms, team: second.name });
    }
    var fouls = s.buzzes.filter(function (b) { return b.foul; });
    if (fouls.length && (s.phase === "question" || s.phase === "buzzing")) {
      return fouls.map(function (b) { return msg("foul", { team: b.name }); }).join("　");
    }
    return "";
  }

  // 加赛 points settle a tie only: shown beside the name, never added to the points.
  function tiebreak(row) {
    return row.tiebreak ? el("span", { class: "qs-tiebreak", text: msg("tiebreak", { n: Q.signed(row.tiebreak) }) }) : null;
  }

  function renderBoard(s, changed) {
    var body = $("[data-board]");
    Q.clear(body);
    s.scoreboard.forEach(function (row) {
      var delta = changed[row.entry];
      var classes = ["rank-" + Math.min(row.rank, 4)];
      if (delta !== undefined) classes.push("is-changed", delta > 0 ? "is-up" : "is-down");
      body.appendChild(el("tr", { "data-board-entry": row.entry, class: classes.join(" ") }, [
        el("td", { class: "qs-rank", text: row.rank }),
        el("td", { class: "qs-name" }, [row.name, tiebreak(row)]),
        el("td", { class: "qs-points", "data-points": "", text: row.points }),
        el("td", { class: "qs-delta", text: delta !== undefined ? Q.signed(delta) : "" })
      ]));
    });
  }

  function renderMini(s, changed) {
    var list = $("[data-mini-board]");
    Q.clear(list);
    s.scoreboard.forEach(function (row) {
      var delta = changed[row.entry];
      var classes = [];
      if (row.entry === s.answering) classes.push("is-floor");
      if (delta !== undefined) classes.push("is-changed", delta > 0 ? "is-up" : "is-down");
      list.appendChild(el("li", { "data-mini-entry": row.entry, class: classes.join(" ") || null }, [
        el("span", { class: "qs-mini-name" }, [row.name, tiebreak(row)]),
        el("span", { class: "qs-mini-points", text: row.points }),
        el("span", { class: "qs-delta", text: delta !== undefined ? Q.signed(delta) : "" })
      ]));
    });
  }

  // The countdown to the opening (server time), then the answer time.
  function tick() {
    var node = $("[data-clock]");
    var s = state;
    if (!s || !s.question) { node.textContent = ""; return; }
    var buzzed = s.question.segment === "buzzer" || s.question.segment === "sudden_death";
    var text = "";
    var kind = "";
    if (s.phase === "buzzing" && s.opens_at) {
      var left = Q.secondsLeft(poller, s.opens_at);
      text = left > 0 ? msg("countdown") + " " + Math.ceil(left) : msg("open-now");
      kind = left > 0 ? "countdown" : "open";
    } else if (s.phase === "question" && buzzed) {
      text = msg("waiting-open");
      kind = "waiting";
    } else if (s.phase === "answering" && s.answering && !(s.question.segment === "risk" && !s.stake)) {
      var key = [s.question.id, s.opening, s.answering, s.stake].join(":");
      if (answerClock.key !== key) answerClock = { key: key, started: poller.now() };
      var remaining = s.question.seconds - (poller.now() - answerClock.started) / 1000;
      text = remaining > 0 ? msg("answer-time", { s: Math.ceil(remaining) }) : msg("over-time");
      kind = remaining > 0 ? "answering" : "over";
    }
    if (node.textContent !== text) node.textContent = text;
    node.setAttribute("data-state", kind);
  }

  window.setInterval(tick, 100);
  poller.start();
})();
