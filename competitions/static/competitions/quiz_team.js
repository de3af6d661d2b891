/* A team's device in the live quiz show: polls the team's state, buzzes, chooses the 风险题
 * stake.
 *
 * A buzz carries a request id kept in sessionStorage for that question and opening: a retry
 * after a lost answer sends the same id, so the server counts it once (it also counts one buzz
 * per team and opening, whatever the ids). A tap before the opening is sent anyway: the
 * server's clock decides, and calls it a foul. The joined team lives in the server's session,
 * so a reload finds it; should that session have expired, the code this phone joined with
 * (kept in localStorage) joins again by itself. */
(function () {
  "use strict";

  var Q = window.QuizClient;
  var root = document.querySelector("[data-quiz-team]");
  var config = Q && Q.config("quiz-config");
  if (!root || !config) return;
  var msg = Q.messages(root);
  var codeKey = "quiz-code:" + config.show;

  var form = root.querySelector("[data-join-form]");
  if (form) {
    form.addEventListener("submit", function () {
      try { window.localStorage.setItem(codeKey, form.elements.code.value.trim()); } catch (e) { /* private mode */ }
    });
  }
  if (!config.joined) return;

  var BUZZED = ["buzzer", "sudden_death"];
  var button = root.querySelector("[data-buzz]");
  var state = null;
  var buzzing = null; // {key, id, tries, sent}
  var rejoining = false;
  var headDefault = root.querySelector("[data-q-head]").textContent;

  function $(selector) { return root.querySelector(selector); }

  var poller = new Q.Poller({
    url: config.state,
    interval: config.poll_ms,
    onState: render,
    onStatus: function (status) {
      $("[data-connection]").textContent = status === "offline" ? msg("offline") : "";
      if (status === "403") rejoin();
    }
  });

  // The session was lost (expired, cleared): join again with the code this phone used.
  function rejoin() {
    if (rejoining) return;
    var code = null;
    try { code = window.localStorage.getItem(codeKey); } catch (e) { code = null; }
    if (!code) { window.location.reload(); return; }
    rejoining = true;
    Q.post(config.join, { code: code }).then(function (answer) {
      rejoining = false;
      if (answer.status === 200) {
        poller.apply(answer.data, answer.sentAt, answer.receivedAt);
        if (buzzing && !buzzing.sent) send();
      } else if (answer.status !== 0) {
        window.location.reload();
      }
    });
  }

  function isBuzzed(question) { return !!question && BUZZED.indexOf(question.segment) >= 0; }

  // One buzz per question and opening (before 开始抢答 a tap counts for the coming opening).
  function buzzKey(s) {
    return [s.show, s.question ? s.question.id : 0, s.phase === "question" ? s.opening + 1 : s.opening].join(":");
  }

  function buzz() {
    if (!state || !state.me || !state.me.may_buzz) return;
    var key = buzzKey(state);
    if (buzzing && buzzing.key === key) return; // a double tap
    var storageKey = "quiz-buzz:" + key;
    var id = null;
    try { id = window.sessionStorage.getItem(storageKey); } catch (e) { id = null; }
    if (!id) {
      id = Q.requestId();
      try { window.sessionStorage.setItem(storageKey, id); } catch (e) { /* private mode */ }
    }
    buzzing = { key: key, id: id, tries: 0, sent: false };
    button.disabled = true;
    button.setAttribute("data-state", "sending");
    if (navigator.vibrate) navigator.vibrate(40);
    $("[data-buzz-status]").textContent = msg("sending");
    send();
  }

  function send() {
    var current = buzzing;
    Q.post(config.buzz, { request_id: current.id }).then(function (answer) {
      if (buzzing !== current) return;
      if (answer.status === 200) {
        current.sent = true;
        poller.apply(answer.data, answer.sentAt, answer.receivedAt);
        return;
      }
      if (answer.status === 403) { rejoin(); return; }
      if (answer.status === 0 || answer.status >= 500) {
        current.tries += 1;
        $("[data-buzz-status]").textContent = msg("retrying");
        if (current.tries < 8) window.setTimeout(send, Math.min(2000, 200 * current.tries));
        return;
      }
      // Refused (the question closed meanwhile, or the team is barred): show why.
      buzzing = null;
      $("[data-buzz-status]").textContent = (answer.data && answer.data.error) || "";
      poller.poll();
    });
  }

  button.addEventListener("pointerdown", function (e) {
    if (e.pointerType === "mouse" && e.button !== 0) return;
    buzz();
  });
  button.addEventListener("click", buzz);

  Array.prototype.forEach.call(root.querySelectorAll("[data-stake]"), function (choice) {
    choice.addEventListener("click", function () {
      var stake = Number(choice.getAttribute("data-stake"));
      var error = $("[data-stake-error]");
      error.hidden = true;
      Q.post(config.stake, { stake: stake || null }).then(function (answer) {
        if (answer.status === 200) { poller.apply(answer.data, answer.sentAt, answer.receivedAt); return; }
        if (answer.status === 403) { rejoin(); return; }
        error.textContent = (answer.data && answer.data.error) || msg("offline");
        error.hidden = false;
        poller.poll();
      });
    });
  });

  function render(s) {
    state = s;
    var me = s.me || {};
    var q = s.question;
    root.setAttribute("data-phase", s.phase);
    $("[data-team-name]").textContent = me.name || "";
    $("[data-points]").textContent = me.points === null || me.points === undefined ? "—" : msg("points", { n: me.points });
    var own = s.scoreboard.filter(function (row) { return row.entry === me.entry; })[0];
    $("[data-rank]").textContent = own ? msg("rank", { n: own.rank }) : "";

    $("[data-q-head]").textContent = q ? q.segment_label + " · " + msg("question", { n: q.order }) : headDefault;
    var text = q ? q.text : "";
    if (q && !text && me.choose_stake) text = msg("stake-hidden");
    $("[data-q-text]").textContent = s.phase === "lobby" ? msg("lobby") : s.phase === "finished" ? msg("finished") : text;
    var answer = $("[data-q-answer]");
    answer.hidden = !(q && q.answer !== undefined);
    answer.textContent = q && q.answer !== undefined ? msg("answer", { answer: q.answer }) : "";

    // The buzzer: shown for buzzer questions; usable until this team has buzzed or is barred.
    button.hidden = !!q && !isBuzzed(q);
    var sending = buzzing && buzzing.key === buzzKey(s) && !buzzing.sent;
    button.disabled = !me.may_buzz || !!sending;
    button.setAttribute("data-state", me.buzzed ? "buzzed" : sending ? "sending" : me.may_buzz ? "ready" : "idle");
    if (!sending) $("[data-buzz-status]").textContent = statusText(s, me);

    // 风险题: the stake choice, for the team whose turn it is.
    $("[data-stake-choice]").hidden = !me.choose_stake;
    tick();
  }

  function statusText(s, me) {
    var q = s.question;
    if (!q || s.phase === "lobby" || s.phase === "finished") return "";
    if (q.segment === "risk" && s.answering === me.entry && s.stake !== null) {
      return s.stake === 0 ? msg("stake-declined") : msg("stake-chosen", { n: s.stake });
    }
    if (me.buzzed) {
      var mine = null;
      var position = 0;
      s.buzzes.forEach(function (b, i) { if (b.entry === me.entry) { mine = b; position = i + 1; } });
      var winner = s.buzzes.filter(function (b) { return b.winner; })[0];
      if (mine && mine.foul) return msg("foul");
      if (s.answering === me.entry) return msg("won");
      if (mine && winner && mine.gap_ms !== null) return msg("buzzed-behind", { team: winner.name, ms: mine.gap_ms.toFixed(1) });
      return msg("buzzed", { n: position || "…" });
    }
    if (s.answering === me.entry) return msg("your-turn");
    if (me.barred && isBuzzed(q)) return msg("barred");
    if (s.answering) return msg("other-turn", { team: s.answering_name });
    return "";
  }

  // The countdown to the opening on the server's clock, with the foul warning until then.
  function tick() {
    var s = state;
    var clock = $("[data-clock]");
    var warning = $("[data-foul-warning]");
    var text = "";
    var warn = false;
    if (s && s.question && isBuzzed(s.question) && s.me && !s.me.buzzed && !s.me.barred) {
      if (s.phase === "question") {
        text = msg("waiting-open");
        warn = true;
      } else if (s.phase === "buzzing" && s.opens_at) {
        var left = Q.secondsLeft(poller, s.opens_at);
        text = left > 0 ? msg("countdown", { s: left.toFixed(1) }) : msg("open-now");
        warn = left > 0;
      }
    }
    if (clock.textContent !== text) clock.textContent = text;
    clock.setAttribute("data-state", warn ? "countdown" : text ? "open" : "");
    warning.hidden = !warn;
    if (warn && !warning.textContent) warning.textContent = msg("foul-warning");
  }

  window.setInterval(tick, 100);
  poller.start();
})();
