/* Frontline learning pages: knowledge checks and the role-play player.
 * Loaded with <script src defer> (the site's CSP allows no inline scripts).
 * Messages come translated from the templates' data-msg-* attributes.
 * Recording: the lesson's 完成本课 and the policy update's 确认 forms (data-learning-form)
 * work without JavaScript; here they are posted with fetch (the server grades the answers
 * and answers JSON), and a finished role play is posted to its record form.
 * Events: "learning:check-submitted" on a check, "learning:role-play-finished" on the
 * role-play section, "learning:recorded" on a form (detail holds the result).
 * The answers always go with the recording form, whether or not they were checked first. */
(function () {
  "use strict";

  function format(template, values) {
    return String(template || "").replace(/\{(\w+)\}/g, function (match, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : match;
    });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function emit(target, name, detail) {
    var event;
    try {
      event = new CustomEvent(name, { bubbles: true, detail: detail });
    } catch (e) {
      event = document.createEvent("CustomEvent");
      event.initCustomEvent(name, true, false, detail);
    }
    target.dispatchEvent(event);
  }

  /* ---------- Knowledge checks ---------- */

  function setupCheck(form) {
    var actions = form.querySelector(".kc-actions");
    var submit = form.querySelector("button[type=submit]");
    var retry = form.querySelector(".kc-retry");
    var scoreBox = form.querySelector(".kc-score");
    var questions = Array.prototype.slice.call(form.querySelectorAll(".kc-question"));
    if (actions) actions.hidden = false;

    function inputsOf(question) {
      return Array.prototype.slice.call(question.querySelectorAll("input"));
    }

    function reset() {
      questions.forEach(function (question) {
        question.classList.remove("is-right", "is-wrong", "is-missing");
        inputsOf(question).forEach(function (input) {
          input.checked = false;
          input.disabled = false;
          var choice = input.closest(".kc-choice");
          choice.classList.remove("is-answer", "is-chosen-wrong");
          var mark = choice.querySelector(".kc-mark");
          if (mark) mark.remove();
        });
        var feedback = question.querySelector(".kc-feedback");
        if (feedback) feedback.hidden = true;
      });
      scoreBox.hidden = true;
      scoreBox.textContent = "";
      submit.hidden = false;
      retry.hidden = true;
      var first = form.querySelector("input");
      if (first) first.focus();
    }

    function markMissing() {
      var missing = questions.filter(function (question) {
        return !inputsOf(question).some(function (input) { return input.checked; });
      });
      questions.forEach(function (question) { question.classList.remove("is-missing"); });
      if (!missing.length) return false;
      missing.forEach(function (question) { question.classList.add("is-missing"); });
      scoreBox.hidden = false;
      scoreBox.textContent = form.getAttribute("data-msg-unanswered");
      var firstInput = missing[0].querySelector("input");
      if (firstInput) firstInput.focus();
      return true;
    }

    function addMark(label, correct) {
      var mark = document.createElement("span");
      mark.className = "kc-mark " + (correct ? "kc-mark-answer" : "kc-mark-wrong");
      mark.textContent = (correct ? "✓ " : "✗ ") +
        form.getAttribute(correct ? "data-msg-answer" : "data-msg-chosen-wrong");
      label.appendChild(mark);
    }

    function grade() {
      var right = 0;
      var answers = [];
      questions.forEach(function (question, index) {
        var ok = true;
        var chosen = [];
        question.classList.remove("is-right", "is-wrong");
        inputsOf(question).forEach(function (input) {
          var correct = input.getAttribute("data-correct") === "true";
          var label = input.closest(".kc-choice");
          if (input.checked) chosen.push(Number(input.value));
          if (correct) label.classList.add("is-answer");
          if (input.checked !== correct) ok = false;
          if (input.checked && !correct) label.classList.add("is-chosen-wrong");
          // Right and wrong in words too, not only by the border's colour (WCAG 1.4.1).
          if (correct || input.checked) addMark(label, correct);
          input.disabled = true;
        });
        if (ok) right += 1;
        answers.push({ question: index + 1, chosen: chosen, correct: ok });
        question.classList.add(ok ? "is-right" : "is-wrong");
        var feedback = question.querySelector(".kc-feedback");
        if (feedback) {
          feedback.querySelector(".kc-verdict").textContent =
            form.getAttribute(ok ? "data-msg-right" : "data-msg-wrong");
          feedback.hidden = false;
        }
      });
      var total = questions.length;
      var percent = total ? Math.round((100 * right) / total) : 0;
      scoreBox.hidden = false;
      scoreBox.textContent = format(form.getAttribute("data-msg-score"), {
        right: right, total: total, percent: percent
      });
      submit.hidden = true;
      retry.hidden = false;
      emit(form, "learning:check-submitted", {
        id: form.id, right: right, total: total, percent: percent, answers: answers
      });
      return { right: right, total: total };
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (markMissing()) return;
      grade();
    });

    form.learningCheck = { grade: grade, markMissing: markMissing, reset: reset };
    retry.addEventListener("click", reset);
  }

  /* ---------- Recording forms (lesson completed, policy acknowledged) ---------- */

  function postForm(form, data) {
    return fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    });
  }

  function link(href, text) {
    var a = el("a", null, text);
    a.href = href;
    return a;
  }

  function setBadge(name, count) {
    Array.prototype.forEach.call(document.querySelectorAll('[data-badge="' + name + '"]'), function (badge) {
      badge.textContent = String(count);
      badge.hidden = !count;
    });
  }

  /* The form's data with every answer it owns. A knowledge check that was already checked
   * with 提交答案 has its inputs disabled (the answers stay on screen, locked until 再试一次),
   * and FormData leaves disabled inputs out: add the chosen ones back, or the server would
   * get no answers at all. form.elements holds the inputs outside the form that name it in
   * their form attribute, disabled or not. */
  function answersData(form) {
    var data = new FormData(form);
    Array.prototype.forEach.call(form.elements, function (input) {
      if (input.disabled && input.name && input.checked && (input.type === "radio" || input.type === "checkbox")) {
        data.append(input.name, input.value);
      }
    });
    return data;
  }

  var STATUS_CLASSES = { success: "status-done", warning: "text-soon", error: "text-overdue" };

  function setStatus(status, level, text) {
    Object.keys(STATUS_CLASSES).forEach(function (key) { status.classList.remove(STATUS_CLASSES[key]); });
    status.classList.add(STATUS_CLASSES[level] || STATUS_CLASSES.error);
    status.setAttribute("data-level", level);
    status.textContent = text;
  }

  function setupLearningForm(form) {
    if (!window.fetch || !window.FormData) return;  // the plain form post still works
    var status = form.querySelector(".learning-status");
    var button = form.querySelector("button[type=submit]");
    var checks = Array.prototype.filter.call(
      document.querySelectorAll("form[data-knowledge-check]"),
      function (check) { return check.querySelector('input[form="' + form.id + '"]'); }
    );

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      for (var i = 0; i < checks.length; i += 1) {
        if (checks[i].learningCheck && checks[i].learningCheck.markMissing()) {
          checks[i].scrollIntoView({ block: "start" });
          return;
        }
      }
      var data = answersData(form);
      checks.forEach(function (check) { if (check.learningCheck) check.learningCheck.grade(); });
      button.disabled = true;
      postForm(form, data).then(function (result) {
        var body = result.body || {};
        // A refusal (4xx) is an error whatever it says; good news is green, a course held
        // back by its pass mark amber.
        var level = result.ok ? (body.level === "warning" ? "warning" : "success") : "error";
        setStatus(status, level, body.message || form.getAttribute("data-msg-error"));
        if (result.ok && body.certificate_url) status.appendChild(link(body.certificate_url, form.getAttribute("data-msg-certificate")));
        if (result.ok && body.course_completed && body.course_url) status.appendChild(link(body.course_url, form.getAttribute("data-msg-course")));
        if (result.ok && typeof body.pending === "number") {
          setBadge("acknowledgements", body.pending);
          button.hidden = true;
        }
        emit(form, "learning:recorded", body);
      }).catch(function () {
        setStatus(status, "error", form.getAttribute("data-msg-error"));
      }).then(function () {
        button.disabled = false;
      });
    });
  }

  /* ---------- Role play ---------- */

  function setupRolePlay(section) {
    var source = document.getElementById("role-play-data");
    var player = section.querySelector(".role-play-player");
    var list = section.querySelector(".role-play-steps");
    if (!source || !player) return;
    var data;
    try {
      data = JSON.parse(source.textContent);
    } catch (e) {
      return;
    }
    if (!data || !data.first || !data.steps || !data.steps[data.first]) return;

    var msg = function (name) { return section.getAttribute("data-msg-" + name) || ""; };
    var path = [];

    function clear() {
      while (player.firstChild) player.removeChild(player.firstChild);
    }

    function focusHeading(heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus({ preventScroll: false });
    }

    function showStep(key) {
      var step = data.steps[key];
      clear();
      if (!step) return;
      var heading = el("h3", "role-play-title", step.title);
      player.appendChild(el("p", "role-play-counter muted small", format(msg("step"), { number: path.length + 1 })));
      player.appendChild(heading);
      player.appendChild(el("p", "role-play-situation", step.situation));
      var choices = el("div", "role-play-choices");
      step.choices.forEach(function (choice, index) {
        var button = el("button", "button role-play-choice", choice.text);
        button.type = "button";
        button.addEventListener("click", function () {
          path.push({ step: step.key, title: step.title, choice: choice.text, number: index + 1 });
          if (choice.next && data.steps[choice.next]) {
            showStep(choice.next);
          } else {
            showEnding(choice);
          }
        });
        choices.appendChild(button);
      });
      player.appendChild(choices);
      if (path.length) focusHeading(heading);
    }

    function showEnding(choice) {
      clear();
      var heading = el("h3", "role-play-title", msg("ending"));
      player.appendChild(heading);
      var score = choice.score === null || choice.score === undefined ? 0 : choice.score;
      player.appendChild(el("p", "role-play-score", format(msg("score"), { score: score })));
      if (choice.feedback) {
        var feedback = el("div", "role-play-feedback-box alert");
        feedback.appendChild(el("strong", null, msg("feedback")));
        feedback.appendChild(el("p", "role-play-situation", choice.feedback));
        player.appendChild(feedback);
      }
      player.appendChild(el("h4", null, msg("path")));
      var trail = el("ol", "role-play-path");
      path.forEach(function (entry) {
        var item = el("li");
        item.appendChild(el("strong", null, entry.title));
        item.appendChild(document.createTextNode(" → " + entry.choice));
        trail.appendChild(item);
      });
      player.appendChild(trail);
      var again = el("button", "button role-play-again", msg("again"));
      again.type = "button";
      again.addEventListener("click", function () {
        path = [];
        showStep(data.first);
        focusHeading(player.querySelector(".role-play-title"));
      });
      player.appendChild(again);
      focusHeading(heading);
      record();
      emit(section, "learning:role-play-finished", {
        score: score,
        path: path.map(function (entry) { return { step: entry.step, choice: entry.choice }; })
      });
    }

    function record() {
      var form = section.querySelector("form[data-role-play-record]");
      if (!form || !window.fetch || !window.FormData) return;
      var data = new FormData(form);
      path.forEach(function (entry) { data.append("choice", String(entry.number)); });
      var note = el("p", "learning-status role-play-recorded", "");
      note.setAttribute("role", "status");
      player.insertBefore(note, player.querySelector(".role-play-score").nextSibling);
      postForm(form, data).then(function (result) {
        var body = result.body || {};
        note.textContent = body.message || (result.ok ? msg("recorded") : msg("error"));
        note.classList.add(result.ok ? "status-done" : "text-overdue");
        var summary = section.querySelector("[data-role-play-status]");
        if (result.ok && summary) summary.textContent = "";
      }).catch(function () {
        note.textContent = msg("error");
        note.classList.add("text-overdue");
      });
    }

    if (list) list.hidden = true;
    player.hidden = false;
    section.classList.add("is-playing");
    showStep(data.first);
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-knowledge-check]"), setupCheck);
    Array.prototype.forEach.call(document.querySelectorAll("[data-role-play]"), setupRolePlay);
    Array.prototype.forEach.call(document.querySelectorAll("form[data-learning-form]"), setupLearningForm);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
