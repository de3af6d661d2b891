"""Block builders for the demo pages: raw StreamField data with stable ids."""

import uuid


def _id(*parts):
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "frontline:courses:" + ":".join(map(str, parts))))


def heading(text, size="h2"):
    return ("heading", {"text": text, "size": size})


def paragraph(*paragraphs):
    """Rich text from plain paragraphs (strings starting with "<" are kept as HTML)."""
    return ("paragraph", "".join(p if p.startswith("<") else f"<p>{p}</p>" for p in paragraphs))


def bullets(*items):
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


def callout(kind, title, text):
    html = text if text.startswith("<") else f"<p>{text}</p>"
    return ("callout", {"kind": kind, "title": title, "text": html})


def question(text, choices, explanation):
    """`choices`: (answer, correct) pairs."""
    return {
        "question": text,
        "choices": [{"text": answer, "correct": correct} for answer, correct in choices],
        "explanation": explanation,
    }


def knowledge_check(*questions, title="随堂小测"):
    return ("knowledge_check", {"title": title, "questions": list(questions)})


def stream(key, blocks):
    return [{"type": kind, "value": value, "id": _id(key, i)} for i, (kind, value) in enumerate(blocks)]


def step(key, title, situation, *choices):
    return {"key": key, "title": title, "situation": situation, "choices": list(choices)}


def go(text, next_step, feedback=""):
    return {"text": text, "next_step": next_step, "score": None, "feedback": feedback}


def end(text, score, feedback):
    return {"text": text, "next_step": "", "score": score, "feedback": feedback}
