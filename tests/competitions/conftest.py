"""Fixtures of the competitions tests: the sample roster's people (CD1001…CD1014, odd 工号
at 城东, even at 城西) and workbooks built in memory."""

import io
from pathlib import Path

import openpyxl
import pytest

from tests import factories

SAMPLES = Path(__file__).resolve().parent / "samples"
EAST, WEST = "城东政务服务中心", "城西政务服务中心"


@pytest.fixture
def sample_bytes():
    def _read(name):
        return (SAMPLES / name).read_bytes()

    return _read


@pytest.fixture
def centres(db):
    return {EAST: factories.make_centre(EAST, code="cd"), WEST: factories.make_centre(WEST, code="cx")}


@pytest.fixture
def roster(centres):
    """CD1001…CD1014 as on the sample roster: odd numbers at 城东, even at 城西."""
    people = {}
    for n in range(1, 15):
        staff_no = f"CD{1000 + n}"
        people[staff_no] = factories.make_staff(staff_no, name=f"参赛{n}", centre=centres[EAST if n % 2 else WEST])
    return people


def xlsx(sheets):
    """Workbook bytes from {sheet name: [rows]} (the first row is the header)."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read_sheets(content):
    """{sheet name: [rows]} of a workbook's bytes."""
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in workbook.worksheets}


def import_sample(sample_bytes, rounds=("ZS", "SC", "QJ")):
    """The sample competition (JS2026) from its workbook, with these rounds' sample scores."""
    from competitions.models import CompetitionPage
    from competitions.services import competition_import_file, round_scores_import_file

    assert competition_import_file(sample_bytes("competition_2026.xlsx"), "c.xlsx", dry_run=False).ok
    for code in rounds:
        assert round_scores_import_file(sample_bytes(f"competition_2026_scores_{code}.xlsx"), "s.xlsx",
                                        competition_code="JS2026", round_code=code, dry_run=False).ok
    return CompetitionPage.objects.get(code="JS2026")


@pytest.fixture
def scored(home_page, roster, sample_bytes):
    """The sample competition with every round scored, not published: CD1010 first, CD1003
    second, CD1002 third."""
    return import_sample(sample_bytes)


@pytest.fixture
def sample_sheets(sample_bytes):
    """The sample workbook's sheets as lists, to alter and write back with `xlsx`."""
    return read_sheets(sample_bytes("competition_2026.xlsx"))


# --- judging (the judges' phone pages and the chief judge's console) --------------------------

RUBRIC = [("服务礼仪", 20, "仪容仪表、文明用语"), ("业务准确", 40, "政策口径和办理结果准确"),
          ("办理效率", 20, ""), ("沟通解释", 20, "一次性告知、耐心解释")]


def make_judged_round(*, entrants=3, judges=5, staff_judge=False, state="open", code="SC", rubric=RUBRIC):
    """A practical round on a rubric with `entrants` entrants of one centre and `judges` outside
    judges (the first is the chief judge), seated by the panel service. With `staff_judge`, a
    staff member of the entrants' centre is on the panel too: recused from all of them."""
    from types import SimpleNamespace

    from competitions.models import CompetitionPage, Criterion, Entry, Judge, Round, RoundKind, Rubric
    from competitions.services import competition_index_page, judge_assign
    from people import roles

    n = factories._next()
    centre = factories.make_centre(f"评测中心{n}", code=f"jc{n}")
    competition = CompetitionPage(title=f"岗位练兵{n}", code=f"JP{n}", year=2026)
    competition_index_page().add_child(instance=competition)
    round_rubric = None
    if rubric:
        round_rubric = Rubric.objects.create(name=f"实操评分标准{n}")
        for order, (name, maximum, description) in enumerate(rubric):
            Criterion.objects.create(rubric=round_rubric, name=name, max_points=maximum, description=description,
                                     sort_order=order)
    rnd = Round.objects.create(competition=competition, code=code, name="实际操作演示", kind=RoundKind.PRACTICAL,
                               weight=40, rubric=round_rubric, state=state)
    entries = [Entry.objects.create(competition=competition,
                                    staff=factories.make_staff(f"J{n}{i:03d}", name=f"选手{i}", centre=centre))
               for i in range(1, entrants + 1)]
    panel = []
    for i in range(1, judges + 1):
        user = factories.make_user_with_role(roles.JUDGE, f"judge{n}-{i}", first_name=f"评委{i}")
        panel.append(Judge.objects.create(competition=competition, user=user, name=f"评委{i}"))
    recused = None
    if staff_judge:
        staff = factories.make_staff(f"JS{n}", name="本中心评委", centre=centre)
        recused = Judge.objects.create(competition=competition, user=staff.user, name="本中心评委", centre=centre)
        panel.append(recused)
    for i, judge in enumerate(panel):
        judge_assign(round=rnd, judge=judge, is_chief=i == 0)
    rnd.refresh_from_db()
    return SimpleNamespace(round=rnd, competition=competition, entries=entries, judges=panel, chief=panel[0],
                           recused=recused, centre=centre)


def full_sheet(**scores):
    """Criterion texts of a complete sheet: the given scores, the rest at their maximum."""
    values = {name: str(maximum) for name, maximum, _d in RUBRIC}
    values.update(scores)
    return values


@pytest.fixture
def judged(home_page):
    return make_judged_round()
