/* Frontline learning pages: knowledge checks and the role-play player.
 * Loaded with <script src defer> (the site's CSP allows no inline scripts).
 * Messages come translated from the templates' data-msg-* attributes.
 * Events for later recording: "learning:check-submitted" on the form and
 * "learning:role-play-finished" on the role-play section (detail holds the result). */
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
          input.closest(".kc-choice").classList.remove("is-answer", "is-chosen-wrong");
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

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var missing = questions.filter(function (question) {
        return !inputsOf(question).some(function (input) { return input.checked; });
      });
      questions.forEach(function (question) { question.classList.remove("is-missing"); });
      if (missing.length) {
        missing.forEach(function (question) { question.classList.add("is-missing"); });
        scoreBox.hidden = false;
        scoreBox.textContent = form.getAttribute("data-msg-unanswered");
        var firstInput = missing[0].querySelector("input");
        if (firstInput) firstInput.focus();
        return;
      }
      var right = 0;
      var answers = [];
      questions.forEach(function (question, index) {
        var ok = true;
        var chosen = [];
        inputsOf(question).forEach(function (input) {
          var correct = input.getAttribute("data-correct") === "true";
          var label = input.closest(".kc-choice");
          if (input.checked) chosen.push(Number(input.value));
          if (correct) label.classList.add("is-answer");
          if (input.checked !== correct) ok = false;
          if (input.checked && !correct) label.classList.add("is-chosen-wrong");
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
    });

    retry.addEventListener("click", reset);
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
      step.choices.forEach(function (choice) {
        var button = el("button", "button role-play-choice", choice.text);
        button.type = "button";
        button.addEventListener("click", function () {
          path.push({ step: step.key, title: step.title, choice: choice.text });
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
      emit(section, "learning:role-play-finished", {
        score: score,
        path: path.map(function (entry) { return { step: entry.step, choice: entry.choice }; })
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
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
