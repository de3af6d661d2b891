"""The answer sheet's questions as HTML, built in Python.

Through the template engine a sheet of 30 questions cost more CPU than everything else in
starting an exam (thousands of variable lookups, ifs and escapes), and a whole service
centre opens the sheet at the same minute. The markup is the one exam.js reads:
fieldset[data-position][data-qtype] with inputs named q<position>, choice values the
displayed letters. Every text from the bank or the candidate is escaped; the stem is the
bank's rich text, expanded as the |richtext filter does. Never the key or explanation.
"""

from html import escape as _escape

from django.utils.formats import localize
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _


def escape(text):
    """What django.utils.html.escape does (the same html.escape), without its lazy-string
    wrapper, which cost more than the escaping on a page of a few hundred fields."""
    return _escape(str(text))


def questions_html(questions):
    """All the questions (dicts of views._question_dict) as one safe string."""
    # Translated once per page, not once per question.
    labels = {
        "true": escape(_("True")),
        "false": escape(_("False")),
        "answer": escape(_("Your answer")),
        "question": _("Question %(n)s"),
        "points": _("(%(p)s points)"),
        "blank": _("Blank %(n)s"),
    }
    return mark_safe("".join(_fieldset(q, labels) for q in questions))  # noqa: S308 - escaped above


def nav_html(questions):
    """The links to each question, answered ones marked, as one safe string (numbers only)."""
    links = []
    for q in questions:
        marked = "answered" if q["answered"] else ""
        links.append(f'<a href="#q{q["number"]}" data-nav="{q["position"]}" class="{marked}">{q["number"]}</a>')
    return mark_safe("".join(links))  # noqa: S308 - made of the view's numbers


def _fieldset(q, labels):
    position = q["position"]
    name = f"q{position}"
    parts = [
        f'<fieldset class="card question" id="q{q["number"]}" data-position="{position}" data-qtype="{escape(q["qtype"])}">',
        f'<legend class="visually-hidden">{escape(labels["question"] % {"n": q["number"]})}</legend>',
        f'<p class="question-head"><span class="badge">{escape(q["qtype_label"])}</span> <strong>{q["number"]}.</strong> '
        f'<span class="muted small">{escape(labels["points"] % {"p": localize(q["points"])})}</span></p>',
        f'<div class="question-stem">{q["stem"]}</div>',
    ]
    qtype = q["qtype"]
    if qtype in ("single", "multiple"):
        kind = "radio" if qtype == "single" else "checkbox"
        parts.append('<div class="options">')
        for letter, text in q["options"]:  # letters are A-F, made by the view
            checked = " checked" if letter in (q["selected"] or ()) else ""
            parts.append(
                f'<label class="option"><input type="{kind}" name="{name}" value="{letter}"{checked}> '
                f'<span class="option-letter">{letter}</span> <span>{escape(text)}</span></label>'
            )
        parts.append("</div>")
    elif qtype == "truefalse":
        parts.append('<div class="options options-inline">')
        for value, chosen, label, mark in (("true", True, labels["true"], "√"), ("false", False, labels["false"], "×")):
            checked = " checked" if q["truefalse"] is chosen else ""
            parts.append(f'<label class="option"><input type="radio" name="{name}" value="{value}"{checked}> '
                         f"<span>{label} {mark}</span></label>")
        parts.append("</div>")
    elif qtype == "blank":
        for index, number, value in q["blanks"]:
            field = f"{name}-{index}"
            parts.append(
                f'<div class="field"><label for="{field}">{escape(labels["blank"] % {"n": number})}</label>'
                f'<input id="{field}" type="text" name="{name}" value="{escape(value)}" autocomplete="off" maxlength="500"></div>'
            )
    else:
        parts.append(
            f'<div class="field"><label for="{name}-text">{labels["answer"]}</label>'
            f'<textarea id="{name}-text" name="{name}" rows="6" maxlength="10000">{escape(q["text"] or "")}</textarea></div>'
        )
    parts.append("</fieldset>")
    return "".join(parts)
