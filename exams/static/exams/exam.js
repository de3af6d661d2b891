/* Taking an exam: the countdown from the server's deadline, and every answer saved as it
 * changes. Loaded with <script src defer> (the site's CSP allows no inline scripts); the
 * configuration comes from the json_script element #exam-config.
 *
 * Each save carries a sequence number that only grows for this attempt; the server keeps a
 * response only when its number is higher than the stored one, so a late retry of an old
 * save never overwrites a newer answer. Failed saves are retried until they land. */
(function () {
  "use strict";

  var configNode = document.getElementById("exam-config");
  var form = document.querySelector("[data-exam-form]");
  if (!configNode || !form) return;
  var config = JSON.parse(configNode.textContent);
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var statusNode = document.querySelector("[data-save-status]");
  var clockNode = document.querySelector("[data-clock]");
  var submitButton = form.querySelector("[data-submit]");
  var seq = config.seq || 0;
  var pending = {};   // position -> {response, seq}: the newest answer not yet acknowledged
  var inFlight = {};  // position -> true while a request is out
  var timers = {};    // position -> debounce timer of a text answer being typed
  var failures = 0;
  var closed = false;
  var submitting = false;
  // The server's clock decides; the page only counts down from the server's deadline.
  var offset = Date.parse(config.serverNow) - Date.now();
  var deadline = Date.parse(config.deadline);

  function message(name) { return statusNode ? statusNode.getAttribute("data-msg-" + name) : ""; }
  function showStatus(name, state) {
    if (!statusNode) return;
    statusNode.textContent = message(name);
    statusNode.setAttribute("data-state", state || name);
  }

  function responseFor(fieldset) {
    var qtype = fieldset.getAttribute("data-qtype");
    var inputs = Array.prototype.slice.call(fieldset.querySelectorAll("input, textarea"));
    if (qtype === "single" || qtype === "multiple") {
      return inputs.filter(function (i) { return i.checked; }).map(function (i) { return i.value; });
    }
    if (qtype === "truefalse") {
      var chosen = inputs.filter(function (i) { return i.checked; })[0];
      return chosen ? chosen.value : null;
    }
    if (qtype === "blank") return inputs.map(function (i) { return i.value; });
    return inputs[0] ? inputs[0].value : "";
  }

  function isAnswered(response) {
    if (response === null || response === undefined) return false;
    if (Array.isArray(response)) return response.some(function (v) { return String(v).trim() !== ""; });
    return String(response).trim() !== "";
  }

  function queue(fieldset) {
    if (closed) return;
    var position = Number(fieldset.getAttribute("data-position"));
    var response = responseFor(fieldset);
    seq += 1;
    pending[position] = { response: response, seq: seq };
    var nav = document.querySelector('[data-nav="' + position + '"]');
    if (nav) nav.classList.toggle("answered", isAnswered(response));
    showStatus("saving");
    send(position);
  }

  function send(position) {
    if (inFlight[position] || !pending[position] || closed) return;
    var save = pending[position];
    inFlight[position] = true;
    fetch(config.saveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      // keepalive: a save started as the page closes still reaches the server.
      keepalive: true,
      body: JSON.stringify({ position: position, response: save.response, seq: save.seq })
    }).then(function (reply) {
      return reply.json().then(function (body) { return { status: reply.status, body: body }; });
    }).then(function (result) {
      inFlight[position] = false;
      if (result.status === 409) {
        closed = true;
        showStatus("closed");
        window.location.assign(result.body.resultUrl || config.resultUrl);
        return;
      }
      if (result.status >= 500) throw new Error("server " + result.status);
      failures = 0;
      // Drop the pending answer only if nothing newer was queued meanwhile.
      if (pending[position] && pending[position].seq === save.seq) delete pending[position];
      if (pending[position]) send(position);
      else if (allSaved()) showStatus("saved");
    }).catch(function () {
      inFlight[position] = false;
      failures += 1;
      showStatus("retry");
      setTimeout(function () { send(position); }, Math.min(10000, 1000 * Math.pow(2, failures - 1)));
    });
  }

  function allSaved() {
    return Object.keys(pending).length === 0 && Object.keys(timers).length === 0 &&
      Object.keys(inFlight).every(function (k) { return !inFlight[k]; });
  }

  // Text typed in the last moments (still in its debounce timer) is queued at once.
  function flushTyping() {
    Object.keys(timers).forEach(function (position) {
      clearTimeout(timers[position]);
      delete timers[position];
      var fieldset = form.querySelector('fieldset[data-position="' + position + '"]');
      if (fieldset) queue(fieldset);
    });
  }

  function submitWhenSaved(deadlineMs) {
    if (submitting) return;
    submitting = true;
    if (submitButton) submitButton.disabled = true;
    var started = Date.now();
    (function wait() {
      if (allSaved() || Date.now() - started > deadlineMs) form.submit();
      else setTimeout(wait, 200);
    })();
  }

  form.addEventListener("change", function (event) {
    var fieldset = event.target.closest("fieldset[data-position]");
    if (fieldset) queue(fieldset);
  });
  form.addEventListener("input", function (event) {
    if (event.target.type === "radio" || event.target.type === "checkbox") return;
    var fieldset = event.target.closest("fieldset[data-position]");
    if (!fieldset) return;
    var position = fieldset.getAttribute("data-position");
    clearTimeout(timers[position]);
    showStatus("saving");
    timers[position] = setTimeout(function () { delete timers[position]; queue(fieldset); }, 600);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (submitting) return;
    if (submitButton && !window.confirm(submitButton.getAttribute("data-msg-confirm"))) return;
    flushTyping();
    submitWhenSaved(8000);
  });
  window.addEventListener("pagehide", flushTyping);
  window.addEventListener("beforeunload", function (event) {
    flushTyping();
    if (!allSaved() && !submitting) { event.preventDefault(); event.returnValue = ""; }
  });

  // Resume where the candidate was: the question of their last save (this or another device).
  if (config.position > 0 && !window.location.hash) {
    var resumeAt = form.querySelector('fieldset[data-position="' + config.position + '"]');
    if (resumeAt) resumeAt.scrollIntoView({ block: "start" });
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var left = Math.max(0, Math.floor((deadline - (Date.now() + offset)) / 1000));
    var hours = Math.floor(left / 3600);
    var text = (hours ? hours + ":" : "") + pad(Math.floor((left % 3600) / 60)) + ":" + pad(left % 60);
    if (clockNode) {
      clockNode.textContent = text;
      clockNode.classList.toggle("exam-clock-low", left <= 300);
    }
    if (left <= 0 && !submitting) {
      // Time is up: hand in what is saved (the server closes the attempt at the deadline anyway).
      flushTyping();
      submitWhenSaved(3000);
      return;
    }
    setTimeout(tick, 1000 - ((Date.now() + offset) % 1000));
  }
  tick();
})();
