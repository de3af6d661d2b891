"""Pure grading: answer keys and responses as plain values, points as Decimal. No ORM.

Spellings accepted (DESIGN, question layout): choice answers as ABD, A,B,D, A、B、D or
full-width ＡＢＤ; true/false as 对/错, 正确/错误, √/×, T/F (or the letter of the option
"正确"/"错误" when the question lists them as options, as the sample bank does).
"""

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
LETTERS = "ABCDEF"
TRUE_WORDS = {"对", "正确", "√", "✓", "✔", "T", "TRUE", "是", "Y", "YES"}
FALSE_WORDS = {"错", "错误", "×", "✗", "✘", "X", "F", "FALSE", "否", "N", "NO"}
SEPARATORS = re.compile(r"[\s,，、;；/]+")
BLANK_SEPARATOR = re.compile(r"[;；]")
ALTERNATIVE_SEPARATOR = "|"

SINGLE, MULTIPLE, TRUE_FALSE, BLANK, ESSAY = "single", "multiple", "truefalse", "blank", "essay"


class AnswerKeyError(ValueError):
    """An answer (key or response) that cannot be read for its question type."""


def quantize(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _nfkc(text):
    # Full-width letters, digits and punctuation become their half-width forms.
    return unicodedata.normalize("NFKC", str(text or "")).strip()


def parse_letters(text, option_count):
    """'A、B' / 'a,b' / 'ＡＢ' → 'AB' (sorted, unique); raises for letters beyond the options."""
    cleaned = SEPARATORS.sub("", _nfkc(text).upper())
    if not cleaned:
        raise AnswerKeyError("答案为空。")
    allowed = LETTERS[:option_count]
    bad = sorted({c for c in cleaned if c not in allowed})
    if bad:
        raise AnswerKeyError(f"答案“{text}”含有选项之外的字母：{''.join(bad)}（可用 {allowed}）。")
    return "".join(sorted(set(cleaned)))


def parse_truefalse(text, options=()):
    word = _nfkc(text).upper()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    # A letter naming one of the options 正确/错误 (the sample bank writes 判断 this way).
    if len(word) == 1 and word in LETTERS[: len(options)]:
        return parse_truefalse(options[LETTERS.index(word)])
    raise AnswerKeyError(f"判断题答案“{text}”无法识别：请写 对/错、正确/错误、√/× 或 T/F。")


def normalize_blank(text):
    """How a blank's text is compared: NFKC, case-folded, inner spaces dropped."""
    return "".join(_nfkc(text).casefold().split())


def parse_blanks(text):
    """'一|1；二' → [['一', '1'], ['二']]: blanks separated by ；, alternatives by |."""
    blanks = []
    for part in BLANK_SEPARATOR.split(str(text or "")):
        alternatives = [normalize_blank(a) for a in part.split(ALTERNATIVE_SEPARATOR)]
        alternatives = [a for a in alternatives if a]
        if alternatives:
            blanks.append(alternatives)
    if not blanks:
        raise AnswerKeyError("填空题需要至少一个答案。")
    return blanks


def parse_key(qtype, answer, options=()):
    """The grader's form of a question's answer key."""
    if qtype == SINGLE:
        letters = parse_letters(answer, len(options))
        if len(letters) != 1:
            raise AnswerKeyError(f"单选题只能有一个答案（“{answer}”）。")
        return letters
    if qtype == MULTIPLE:
        letters = parse_letters(answer, len(options))
        if len(letters) < 2:
            raise AnswerKeyError(f"多选题至少需要两个答案（“{answer}”）。")
        return letters
    if qtype == TRUE_FALSE:
        return parse_truefalse(answer, options)
    if qtype == BLANK:
        return parse_blanks(answer)
    return None


def format_key(qtype, key):
    """A parsed key written back in the one spelling the bank stores."""
    if qtype == TRUE_FALSE:
        return "对" if key else "错"
    if qtype == BLANK:
        return "；".join(ALTERNATIVE_SEPARATOR.join(alternatives) for alternatives in key)
    return key or ""


def normalize_response(qtype, raw, option_count=0):
    """A candidate's saved response in canonical form (None when unanswered).

    Choice responses are letters of the question's own options; true/false is a bool;
    blanks a list of texts; essays a text.
    """
    if raw in (None, "", []):
        return None
    if qtype in (SINGLE, MULTIPLE):
        items = raw if isinstance(raw, list) else [raw]
        letters = "".join(sorted({_nfkc(i).upper() for i in items if _nfkc(i)}))
        if any(c not in LETTERS[:option_count] for c in letters) or (qtype == SINGLE and len(letters) > 1):
            raise AnswerKeyError("无效的选项。")
        return letters or None
    if qtype == TRUE_FALSE:
        if isinstance(raw, bool):
            return raw
        return parse_truefalse(raw)
    if qtype == BLANK:
        items = raw if isinstance(raw, list) else [raw]
        texts = [str(i)[:500] for i in items]
        return texts if any(t.strip() for t in texts) else None
    return str(raw)[:10000] if str(raw).strip() else None


def grade(qtype, key, response, points, *, partial_credit=False):
    """Points earned for one response; None for essays (graded by a person).

    Multiple choice is all-or-nothing unless partial_credit: then any wrong choice earns
    0 and otherwise each correct choice earns its share. Blanks earn their share each
    with partial credit, all-or-nothing without.
    """
    points = Decimal(points)
    if qtype == ESSAY:
        return None
    if response is None:
        return quantize(0)
    if qtype == SINGLE or qtype == TRUE_FALSE:
        return quantize(points if response == key else 0)
    if qtype == MULTIPLE:
        if response == key:
            return quantize(points)
        if not partial_credit or set(response) - set(key):
            return quantize(0)
        return quantize(points * len(set(response)) / len(key))
    if qtype == BLANK:
        given = [normalize_blank(r) for r in response] + [""] * len(key)
        right = sum(1 for accepted, text in zip(key, given, strict=False) if text in accepted)
        if right == len(key):
            return quantize(points)
        if not partial_credit:
            return quantize(0)
        return quantize(points * right / len(key))
    raise AnswerKeyError(f"未知题型 {qtype}")


def percentage(score, max_score):
    if not max_score:
        return quantize(0)
    return quantize(Decimal(score) * 100 / Decimal(max_score))


# --- item analysis --------------------------------------------------------------------


def facility_index(fractions):
    """Mean fraction of the points earned (0–1), as a percentage with 2 decimals."""
    fractions = list(fractions)
    if not fractions:
        return None
    return quantize(sum(Decimal(f) for f in fractions) * 100 / len(fractions))


def discrimination_index(rows, share=Decimal("0.27")):
    """(total score, item fraction) per candidate → mean item fraction of the top 27% minus
    that of the bottom 27% by total score, from -1 to 1; None with fewer than 2 per group."""
    rows = sorted(rows, key=lambda r: Decimal(r[0]))
    size = int((len(rows) * share).to_integral_value(rounding=ROUND_HALF_UP)) if rows else 0
    if size < 1 or len(rows) < 2:
        return None
    bottom = rows[:size]
    top = rows[-size:]
    mean = lambda group: sum(Decimal(f) for _t, f in group) / len(group)  # noqa: E731
    return quantize(mean(top) - mean(bottom))


def is_dubious(facility, discrimination):
    """Items worth a trainer's look: almost nobody or everybody right, or the weak do better."""
    if facility is not None and (facility < 20 or facility > 95):
        return True
    return discrimination is not None and discrimination < Decimal("0.15")
