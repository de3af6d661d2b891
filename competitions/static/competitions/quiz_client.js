/* The live quiz show's poll client, shared by the host console, the big screen and the team
 * devices (loaded with <script src defer> before the page's own script; no library).
 *
 * - Polls a state endpoint with ?v=N about twice a second: 304 while the show is unchanged
 *   (no body, no database query on the server), the new state otherwise. One request at a
 *   time; after a failure it backs off and says so.
 * - Keeps the offset between this device's clock and the server's (from `server_time` in a
 *   state and the X-Server-Time header of a 304), using the sample with the shortest round
 *   trip, so that countdowns run on the server's time: the server's clock decides who was
 *   first, never the device's.
 * - post(url, body): JSON with the CSRF token, as the site's other autosaves do.
 */
(function () {
  "use strict";

  var SAMPLES = 20;

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // A random id for a buzz (reused when the same buzz is sent again). crypto.randomUUID only
  // exists on https and localhost: a venue's plain-http address gets getRandomValues.
  function requestId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function Poller(options) {
    this.url = options.url;
    this.interval = options.interval || 500;
    this.onState = options.onState || function () {};
    this.onStatus = options.onStatus || function () {};
    this.version = null;
    this.state = null;
    this.offset = 0;
    this.samples = [];
    this.timer = null;
    this.inFlight = false;
    this.again = false;
    this.failures = 0;
    this.stopped = false;
    this.status = "";
    var self = this;
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") self.poll();
    });
  }

  // This device's estimate of the server's time, in ms since the epoch.
  Poller.prototype.now = function () { return Date.now() + this.offset; };

  Poller.prototype.clock = function (serverMs, sentAt, receivedAt) {
    serverMs = Number(serverMs);
    if (!serverMs) return;
    this.samples.push({ rtt: receivedAt - sentAt, offset: serverMs - (sentAt + receivedAt) / 2 });
    if (this.samples.length > SAMPLES) this.samples.shift();
    var best = this.samples[0];
    this.samples.forEach(function (sample) { if (sample.rtt < best.rtt) best = sample; });
    this.offset = best.offset;
  };

  Poller.prototype.setStatus = function (status, detail) {
    if (status === this.status && !detail) return;
    this.status = status;
    this.onStatus(status, detail);
  };

  // A state from a poll or from an action's answer: shown unless a newer one already was.
  Poller.prototype.apply = function (state, sentAt, receivedAt) {
    if (!state || typeof state.version !== "number") return;
    if (state.server_time && sentAt) this.clock(state.server_time, sentAt, receivedAt || Date.now());
    if (this.version !== null && state.version < this.version) return;
    this.version = state.version;
    this.state = state;
    this.onState(state);
  };

  Poller.prototype.schedule = function (delay) {
    var self = this;
    if (this.stopped) return;
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(function () { self.poll(); }, delay);
  };

  Poller.prototype.stop = function () {
    this.stopped = true;
    window.clearTimeout(this.timer);
  };

  Poller.prototype.start = function () {
    this.stopped = false;
    this.poll();
  };

  // Poll now (also after an action, and when the page is shown again).
  Poller.prototype.poll = function () {
    var self = this;
    if (this.stopped) return;
    if (this.inFlight) { this.again = true; return; }
    window.clearTimeout(this.timer);
    this.inFlight = true;
    var sentAt = Date.now();
    var url = this.url + (this.version === null ? "" : (this.url.indexOf("?") < 0 ? "?" : "&") + "v=" + this.version);
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        var receivedAt = Date.now();
        if (response.status === 304) {
          self.clock(response.headers.get("X-Server-Time"), sentAt, receivedAt);
          return { ok: true };
        }
        if (response.status === 403 || response.status === 404) return { ok: false, status: response.status };
        var type = response.headers.get("Content-Type") || "";
        if (response.ok && type.indexOf("json") < 0) return { ok: false, status: "login" };
        if (!response.ok) return { ok: false, status: "offline" };
        return response.json().then(function (state) {
          self.apply(state, sentAt, receivedAt);
          return { ok: true };
        });
      })
      .catch(function () { return { ok: false, status: "offline" }; })
      .then(function (result) {
        self.inFlight = false;
        if (result.ok) {
          self.failures = 0;
          self.setStatus("online");
        } else {
          self.failures += 1;
          // "offline", "login", "403" or "404": the page says so (or joins again, for a team).
          self.setStatus(String(result.status));
        }
        var delay = self.again ? 0 : self.interval;
        if (!result.ok) delay = Math.min(5000, self.interval * Math.pow(2, Math.min(self.failures, 4)));
        self.again = false;
        self.schedule(delay);
      });
  };

  // POST JSON; resolves {status, data} (status 0: no answer at all, to retry).
  function post(url, body) {
    var sentAt = Date.now();
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      cache: "no-store",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("json") < 0) return { status: response.ok ? "login" : response.status, data: {}, sentAt: sentAt };
      return response.json().then(function (data) {
        return { status: response.status, data: data, sentAt: sentAt, receivedAt: Date.now() };
      });
    }).catch(function () { return { status: 0, data: {}, sentAt: sentAt }; });
  }

  // "{s}" placeholders in a translated message.
  function format(text, values) {
    return String(text || "").replace(/\{(\w+)\}/g, function (all, name) {
      return Object.prototype.hasOwnProperty.call(values || {}, name) ? values[name] : all;
    });
  }

  // A message of the page: its data-msg-<name> attribute on the root node.
  function messages(root) {
    return function (name, values) { return format(root.getAttribute("data-msg-" + name), values); };
  }

  function config(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  // Seconds left until `until` (server ms), one decimal, never below 0.
  function secondsLeft(poller, until) {
    return Math.max(0, (until - poller.now()) / 1000);
  }

  function signed(points) {
    if (points === null || points === undefined) return "";
    return (points > 0 ? "+" : points < 0 ? "−" : "±") + Math.abs(points);
  }

  function clear(node) { while (node && node.firstChild) node.removeChild(node.firstChild); }

  // el("td", {class: "x", "data-y": 1}, ["text", otherNode])
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) return;
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : value);
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === "string" || typeof child === "number" ? document.createTextNode(String(child)) : child);
    });
    return node;
  }

  window.QuizClient = {
    Poller: Poller, post: post, requestId: requestId, format: format, messages: messages, config: config,
    secondsLeft: secondsLeft, signed: signed, clear: clear, el: el, csrfToken: csrfToken
  };
})();
