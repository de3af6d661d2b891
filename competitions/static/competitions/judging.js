/* A judge's score sheet on the phone: every change is saved as a draft, and the running total
 * shown. Loaded with <script src defer> (the site's CSP allows no inline scripts); the
 * configuration comes from the json_script element #judging-config.
 *
 * Each save sends the whole sheet with a sequence number that only grows; the server keeps a
 * save only when its number is higher than the stored one, so a late retry of an old save never
 * overwrites newer scores. Failed saves are retried until they land; submitting waits for them.
 * The server checks every score again: the page only shows its messages. */
(function () {
  "use strict";

  var configNode = document.getElementById("judging-config");
  var form = document.querySelector("[data-sheet-form]");
  if (!configNode || !form) return;
  var config = JSON.parse(configNode.textContent);
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var statusNode = form.querySelector("[data-save-status]");
  var totalNode = form.querySelector("[data-total]");
  var submitButton = form.querySelector("[data-submit]");
  var inputs = Array.prototype.slice.call(form.querySelectorAll("[data-score]"));
  // Start above the stored number, and above any number used in this browser before.
  var seq = Math.max(config.seq || 0, Number(window.sessionStorage.getItem(config.saveUrl) || 0));
  var pending = null;   // the newest sheet not yet acknowledged: {values, seq}
  var inFlight = false;
  var timer = null;
  var failures = 0;
  var closed = false;
  var submitting = false;

  function message(name) { return statusNode ? statusNode.getAttribute("data-msg-" + name) : ""; }
  function showStatus(name) {
    if (!statusNode) return;
    statusNode.textContent = message(name);
    statusNode.setAttribute("data-state", name);
  }

  function values() {
    var result = {};
    inputs.forEach(function (input) { result[input.getAttribute("data-score")] = input.value; });
    return result;
  }

  function number(text) {
    var normal = String(text).trim().replace(/[０-９．]/g, function (c) {
      return c === "．" ? "." : String.fromCharCode(c.charCodeAt(0) - 0xFEE0);
    });
    return /^\d+(\.\d*)?$|^\.\d+$/.test(normal) ? parseFloat(normal) : null;
  }

  function showTotal() {
    var total = 0;
    inputs.forEach(function (input) {
      var value = number(input.value);
      if (value !== null && value <= parseFloat(input.getAttribute("data-max"))) total += value;
    });
    if (totalNode) totalNode.textContent = (Math.round(total * 100) / 100).toFixed(2);
  }

  function showErrors(errors) {
    inputs.forEach(function (input) {
      var name = input.getAttribute("data-score");
      var node = form.querySelector('[data-error-for="' + CSS.escape(name) + '"]');
      var text = errors[name] || "";
      if (node) node.textContent = text;
      input.closest(".score-field").classList.toggle("has-error", !!text);
      input.setAttribute("aria-invalid", text ? "true" : "false");
    });
  }

  function queue() {
    if (closed) return;
    seq += 1;
    window.sessionStorage.setItem(config.saveUrl, String(seq));
    pending = { values: values(), seq: seq };
    showTotal();
    showStatus("saving");
    send();
  }

  function send() {
    if (inFlight || !pending || closed) return;
    var save = pending;
    inFlight = true;
    fetch(config.saveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      keepalive: true,
      body: JSON.stringify({ values: save.values, seq: save.seq })
    }).then(function (reply) {
      return reply.json().then(function (body) { return { status: reply.status, body: body }; });
    }).then(function (result) {
      inFlight = false;
      if (result.status === 409) {
        // Submitted on another device, or the round closed: show the sheet as it now is.
        closed = true;
        showStatus("closed");
        window.location.reload();
        return;
      }
      if (result.status >= 500 || result.status === 403) throw new Error("server " + result.status);
      failures = 0;
      if (pending && pending.seq === save.seq) {
        pending = null;
        var errors = (result.body && result.body.errors) || {};
        showErrors(errors);
        if (Object.keys(errors).length) showStatus("invalid");
        else if (timer === null) showStatus("saved");
      }
      if (pending) send();
    }).catch(function () {
      inFlight = false;
      failures += 1;
      showStatus("retry");
      setTimeout(send, Math.min(10000, 1000 * Math.pow(2, failures - 1)));
    });
  }

  function allSaved() { return !pending && !inFlight && timer === null; }

  function flushTyping() {
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
      queue();
    }
  }

  form.addEventListener("input", function (event) {
    if (!event.target.hasAttribute("data-score")) return;
    showTotal();
    showStatus("saving");
    clearTimeout(timer);
    timer = setTimeout(function () { timer = null; queue(); }, 500);
  });
  form.addEventListener("change", function (event) {
    if (event.target.hasAttribute("data-score")) flushTyping();
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (submitting) return;
    if (submitButton && !window.confirm(submitButton.getAttribute("data-msg-confirm"))) return;
    submitting = true;
    if (submitButton) submitButton.disabled = true;
    flushTyping();
    var started = Date.now();
    // The form posts every score itself: waiting for the drafts only keeps their order.
    (function wait() {
      if (allSaved() || Date.now() - started > 8000) form.submit();
      else setTimeout(wait, 200);
    })();
  });
  window.addEventListener("pagehide", flushTyping);
  window.addEventListener("beforeunload", function (event) {
    flushTyping();
    if (!allSaved() && !submitting) { event.preventDefault(); event.returnValue = ""; }
  });
  showTotal();
})();
