/* The host console of a live quiz show: polls the host state and runs the show.
 *
 * Every action posts {"version": the version shown, ...}: when another console (a second tab,
 * a second host) acted first, the server refuses it with 409, the console says so and shows
 * the current state, and the host decides again. Keyboard shortcuts (N S C W T F R) press the
 * buttons; they do nothing while typing in a field or with a dialog open. */
(function () {
  "use strict";

  var Q = window.QuizClient;
  var root = document.querySelector("[data-quiz-host]");
  var config = Q && Q.config("quiz-config");
  if (!root || !config) return;
  var msg = Q.messages(root);
  var el = Q.el;
  var BUZZED = ["buzzer", "sudden_death"];
  var state = null;
  var busy = false;
  var answerClock = { key: null, started: 0 };
  var adjudicated = {};
  var voiding = null;

  function $(selector) { return root.querySelector(selector); }
  function $$(selector) { return Array.prototype.slice.call(root.querySelectorAll(selector)); }

  var poller = new Q.Poller({
    url: config.state,
    interval: config.poll_ms,
    onState: render,
    onStatus: function (status) {
      var node = $("[data-connection]");
      node.textContent = msg(status) || status;
      node.setAttribute("data-state", status);
    }
  });

  function say(text, kind) {
    var node = $("[data-message]");
    node.textContent = text || "";
    node.hidden = !text;
    node.setAttribute("data-kind", kind || "error");
  }

  // --- actions -----------------------------------------------------------------------------

  function act(action, extra) {
    if (!state || busy) return Promise.resolve(null);
    busy = true;
    say("");
    var body = Object.assign({ version: state.version }, extra || {});
    return Q.post(config.actions[action], body).then(function (answer) {
      busy = false;
      if (answer.status === 200) {
        poller.apply(answer.data, answer.sentAt, answer.receivedAt);
        return answer;
      }
      if (answer.status === 409) {
        say(msg("stale"), "stale");
        poller.poll();
      } else if (answer.status === "login") {
        say(msg("login"));
      } else if (answer.status === 0 || answer.status >= 500) {
        say(msg("failed"));
      } else {
        say((answer.data && answer.data.error) || msg("failed"));
        poller.poll();
      }
      return answer;
    });
  }

  function isBuzzed(question) { return !!question && BUZZED.indexOf(question.segment) >= 0; }

  function questionById(id) {
    return (state && state.questions || []).filter(function (q) { return q.id === id; })[0] || null;
  }

  function showQuestion(question) {
    if (!question) { say(msg("no-next")); return; }
    var extra = { question: question.id };
    if (!isBuzzed(question) && !question.team) {
      var team = $("[data-turn-team]").value;
      if (!team) { say(msg("pick-team")); $("[data-turn-team]").focus(); return; }
      extra.team = Number(team);
    }
    act("next", extra);
  }

  function nextQuestion() {
    if (!state) return;
    var after = state.question ? state.question.order : -1;
    var next = (state.questions || []).filter(function (q) { return q.order > after; })[0];
    showQuestion(next || null);
  }

  var ACTIONS = {
    next: nextQuestion,
    open: function () { act("open"); },
    correct: function () { act("outcome", { outcome: "correct" }); },
    wrong: function () { act("outcome", { outcome: "wrong" }); },
    timeout: function () { act("outcome", { outcome: "timeout" }); },
    foul: function () {
      var team = $("[data-foul-team]").value || (state && state.answering);
      if (!team) { say(msg("pick-team")); $("[data-foul-team]").focus(); return; }
      act("outcome", { outcome: "foul", team: Number(team) });
    },
    reveal: function () { act("reveal"); },
    results: function () { act("results").then(function (answer) { if (answer && answer.status === 200) say(msg("written"), "info"); }); }
  };

  $$("[data-action]").forEach(function (button) {
    button.addEventListener("click", function () { ACTIONS[button.getAttribute("data-action")](); });
  });
  $$("[data-pick]").forEach(function (button) {
    button.addEventListener("click", function () { showQuestion(questionById(Number(button.getAttribute("data-pick")))); });
  });
  $$("[data-stake]").forEach(function (button) {
    button.addEventListener("click", function () {
      var stake = Number(button.getAttribute("data-stake"));
      act("stake", { stake: stake || null });
    });
  });
  $$("input[name=screen_mode]").forEach(function (input) {
    input.addEventListener("change", function () { if (input.checked) act("screen", { mode: input.value }); });
  });

  // --- dialogs: undo with a reason, finish ---------------------------------------------------

  var voidDialog = document.querySelector("[data-void-dialog]");
  var finishDialog = document.querySelector("[data-finish-dialog]");
  Array.prototype.forEach.call(document.querySelectorAll("[data-dialog-cancel]"), function (button) {
    button.addEventListener("click", function () { button.closest("dialog").close(); });
  });

  function openVoid(event) {
    voiding = event;
    voidDialog.querySelector("[data-void-summary]").textContent = [
      "#" + event.id, event.question ? msg("question", { n: event.question }) : "", event.name, kindLabel(event),
      Q.signed(event.points)
    ].filter(Boolean).join(" · ");
    voidDialog.querySelector("[data-void-reason]").value = "";
    voidDialog.querySelector("[data-void-error]").hidden = true;
    voidDialog.showModal();
    voidDialog.querySelector("[data-void-reason]").focus();
  }

  voidDialog.querySelector("[data-void-form]").addEventListener("submit", function (e) {
    e.preventDefault();
    var reason = voidDialog.querySelector("[data-void-reason]").value.trim();
    if (!reason || !voiding) return;
    act("void", { event: voiding.id, reason: reason }).then(function (answer) {
      if (answer && answer.status === 200) { voidDialog.close(); return; }
      var error = voidDialog.querySelector("[data-void-error]");
      error.textContent = $("[data-message]").textContent || msg("failed");
      error.hidden = false;
    });
  });

  root.querySelector("[data-finish]").addEventListener("click", function () { finishDialog.showModal(); });
  finishDialog.querySelector("[data-finish-form]").addEventListener("submit", function (e) {
    e.preventDefault();
    act("finish").then(function () { finishDialog.close(); });
  });

  // --- keyboard shortcuts --------------------------------------------------------------------

  var KEYS = { n: "next", s: "open", c: "correct", w: "wrong", t: "timeout", f: "foul", r: "reveal" };
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || e.repeat) return;
    var target = e.target;
    if (target && (target.isContentEditable || /^(TEXTAREA|SELECT)$/.test(target.tagName))) return;
    // Typing in a text field; a radio button or a checkbox (the big screen's switch) does not count.
    if (target && target.tagName === "INPUT" && !/^(radio|checkbox|button|submit)$/.test(target.type)) return;
    if (document.querySelector("dialog[open]")) return;
    var action = KEYS[(e.key || "").toLowerCase()];
    if (!action) return;
    var button = root.querySelector('[data-action="' + action + '"]');
    if (!button || button.disabled) return;
    e.preventDefault();
    button.click();
  });

  // --- rendering ------------------------------------------------------------------------------

  function render(s) {
    state = s;
    var question = s.question;
    var phase = s.phase;
    $("[data-phase]").textContent = config.phases[phase] || phase;
    $("[data-phase]").setAttribute("data-phase", phase);
    $("[data-version]").textContent = s.version;

    // The current question.
    $("[data-q-segment]").textContent = question ? question.segment_label : "";
    $("[data-q-order]").textContent = question ? msg("question", { n: question.order }) : "";
    $("[data-q-seconds]").textContent = question ? msg("seconds", { s: question.seconds }) : "";
    $("[data-q-text]").textContent = question ? question.text : msg("no-question");
    $("[data-q-answer-box]").hidden = !question;
    $("[data-q-answer]").textContent = question ? question.answer || "" : "";
    $("[data-floor]").textContent = s.answering ? msg("floor", { team: s.answering_name }) : (question ? msg("nobody") : "");

    // 风险题: the stake chosen (or declined), or the host sets it for the team with the floor.
    var risk = question && question.segment === "risk" && s.answering;
    $("[data-stake-box]").hidden = !risk;
    if (risk) {
      $("[data-stake-text]").textContent = s.stake === null ? msg("stake-waiting")
        : s.stake === 0 ? msg("declined") : msg("stake", { n: s.stake });
      $("[data-stake-buttons]").hidden = !(phase === "answering" && s.stake === null);
    }

    // Which buttons make sense now (the server checks again).
    var finished = phase === "finished";
    var answering = phase === "answering" && !!s.answering && !(question && question.segment === "risk" && !s.stake);
    enable("next", !finished);
    enable("open", isBuzzed(question) && phase === "question");
    enable("correct", answering);
    enable("wrong", answering);
    enable("timeout", answering);
    enable("foul", isBuzzed(question) && ["question", "buzzing", "answering"].indexOf(phase) >= 0);
    enable("reveal", !!question && ["revealed", "finished", "lobby"].indexOf(phase) < 0);
    $$("[data-pick]").forEach(function (button) { button.disabled = finished; });
    root.querySelector("[data-finish]").hidden = finished;
    root.querySelector('[data-action="results"]').hidden = !finished;
    $$("input[name=screen_mode]").forEach(function (input) { input.checked = input.value === s.screen_mode; });
    // The foul team list: teams that may still be called for a foul on this question.
    $$("[data-foul-team] option").forEach(function (option) {
      option.disabled = !!option.value && (s.barred || []).indexOf(Number(option.value)) >= 0;
    });

    renderQuestions(s);
    renderBuzzes(s);
    renderScores(s);
    renderEvents(s);
    if (finished) say(msg("finished"), "info");
    tick();
  }

  function enable(action, on) {
    var button = root.querySelector('[data-action="' + action + '"]');
    if (button) button.disabled = !on;
  }

  function renderQuestions(s) {
    var done = {};
    (s.events || []).forEach(function (e) { if (e.question) done[e.question] = true; });
    $$("[data-question]").forEach(function (item) {
      var order = Number(item.getAttribute("data-order"));
      var current = s.question && s.question.order === order;
      item.classList.toggle("is-current", !!current);
      item.classList.toggle("is-done", !!done[order] && !current);
      var mark = item.querySelector("[data-mark]");
      mark.textContent = current ? msg("current") : done[order] ? msg("done") : "";
      var button = item.querySelector("[data-pick]");
      if (current) button.setAttribute("aria-current", "true"); else button.removeAttribute("aria-current");
    });
  }

  function renderBuzzes(s) {
    var body = $("[data-buzzes]");
    Q.clear(body);
    if (!s.buzzes.length) {
      body.appendChild(el("tr", {}, [el("td", { colspan: 5, class: "muted", text: msg("no-buzz") })]));
      return;
    }
    s.buzzes.forEach(function (buzz, i) {
      var marks = [];
      if (buzz.winner) marks.push(el("span", { class: "tag tag-win", text: msg("winner") }));
      if (buzz.near) marks.push(el("span", { class: "tag tag-near", text: msg("near") }));
      if (buzz.foul) marks.push(el("span", { class: "tag tag-foul", text: msg("foul") }));
      body.appendChild(el("tr", { "data-buzz-entry": buzz.entry, "data-near": buzz.near ? "true" : null,
                                  class: buzz.winner ? "is-winner" : buzz.foul ? "is-foul" : null }, [
        el("td", { text: i + 1 }), el("td", { text: buzz.name }),
        el("td", { class: "num", text: buzz.after_open_ms === null ? "—" : buzz.after_open_ms.toFixed(1) }),
        el("td", { class: "num", "data-gap": "", text: buzz.gap_ms === null ? "—" : buzz.gap_ms.toFixed(1) }),
        el("td", {}, marks)
      ]));
    });
  }

  function renderScores(s) {
    var body = $("[data-scoreboard]");
    Q.clear(body);
    s.scoreboard.forEach(function (row) {
      body.appendChild(el("tr", { "data-score-entry": row.entry, class: row.entry === s.answering ? "is-floor" : null }, [
        el("td", { text: row.rank }), el("td", { text: row.name }),
        el("td", { class: "num", "data-points": "", text: row.points }),
        el("td", { class: "num", text: row.round_score }),
        el("td", { class: "num", "data-tiebreak": "", text: row.tiebreak ? Q.signed(row.tiebreak) : "" }),
        el("td", { class: "num", text: Q.signed(row.last_change) })
      ]));
    });
  }

  function clockText(ms) {
    var d = new Date(ms);
    return [d.getHours(), d.getMinutes(), d.getSeconds()].map(function (n) { return ("0" + n).slice(-2); }).join(":");
  }

  // "Correct" has another meaning elsewhere on the site (更正): the console names a right answer itself.
  function kindLabel(event) {
    return event.kind === "correct" ? msg("kind-correct") : event.kind_label;
  }

  function renderEvents(s) {
    var body = $("[data-events]");
    Q.clear(body);
    var events = (s.events || []).slice().reverse();
    if (!events.length) {
      body.appendChild(el("tr", {}, [el("td", { colspan: 9, class: "muted", text: msg("no-event") })]));
      return;
    }
    events.forEach(function (event) {
      var voided = !!event.voided_by;
      var undo = null;
      if (event.kind !== "void" && !voided) {
        undo = el("button", { type: "button", class: "button button-small", "data-void": event.id,
                              "aria-label": msg("undo-label", { id: event.id }), text: msg("undo") });
        undo.addEventListener("click", function () { openVoid(event); });
      }
      var reason = event.reason || "";
      if (voided) reason = (reason ? reason + " · " : "") + msg("voided") + " (#" + event.voided_by + ")";
      body.appendChild(el("tr", { "data-event": event.id, "data-kind": event.kind, class: voided ? "is-voided" : null }, [
        el("td", { text: event.id }), el("td", { text: clockText(event.at) }),
        el("td", { text: event.question || "" }), el("td", { text: event.name }),
        el("td", { text: kindLabel(event) + (event.stake ? " (" + event.stake + ")" : "") }),
        el("td", { class: "num", text: event.kind === "void" ? "" : Q.signed(event.points) }),
        el("td", { text: event.by }), el("td", { class: "wrap", text: reason }), el("td", {}, [undo])
      ]));
    });
  }

  // The countdown to the opening, then the answer time (from when this console saw the team
  // get the floor; a 风险题's from the stake).
  function tick() {
    var node = $("[data-clock]");
    if (!state || !state.question) { node.textContent = ""; return; }
    var s = state;
    if (s.phase === "buzzing" && s.opens_at) {
      var left = Q.secondsLeft(poller, s.opens_at);
      node.textContent = left > 0 ? msg("countdown", { s: left.toFixed(1) }) : msg("open-now");
      node.setAttribute("data-state", left > 0 ? "countdown" : "open");
      adjudicateIfStuck(s);
      return;
    }
    if (s.phase === "question" && isBuzzed(s.question)) {
      node.textContent = msg("waiting-open");
      node.setAttribute("data-state", "waiting");
      return;
    }
    if (s.phase === "answering" && s.answering && !(s.question.segment === "risk" && !s.stake)) {
      var key = [s.question.id, s.opening, s.answering, s.stake].join(":");
      if (answerClock.key !== key) answerClock = { key: key, started: poller.now() };
      var remaining = s.question.seconds - (poller.now() - answerClock.started) / 1000;
      node.textContent = remaining > 0 ? msg("answer-time", { s: Math.ceil(remaining) }) : msg("over-time");
      node.setAttribute("data-state", remaining > 0 ? "answering" : "over");
      return;
    }
    node.textContent = "";
    node.removeAttribute("data-state");
  }

  // The buzz request that came first decides the winner after the settle window; should it
  // never finish (a worker restarted), the console asks the server to decide.
  function adjudicateIfStuck(s) {
    var first = s.buzzes.filter(function (b) { return !b.foul && b.after_open_ms !== null; })[0];
    var key = s.show + ":" + s.question.id + ":" + s.opening;
    if (!first || adjudicated[key]) return;
    if (poller.now() < s.opens_at + first.after_open_ms + 2000) return;
    adjudicated[key] = true;
    Q.post(config.actions.adjudicate, {}).then(function (answer) {
      if (answer.status === 200) poller.apply(answer.data, answer.sentAt, answer.receivedAt);
    });
  }

  window.setInterval(tick, 100);
  poller.start();
})();
