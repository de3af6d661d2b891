"""The demo learning content (data only; courses.demo loads it)."""

from .courses_rules import RULES_COURSES
from .courses_service import SERVICE_COURSES
from .policies import POLICIES
from .scenarios import SCENARIOS

LEARNING_INTRO = (
    "<p>学习中心汇集窗口服务的业务课程和典型案例，供全体窗口工作人员登录后学习。"
    "课程按岗位推送，完成课程并通过随堂小测即可获得相应<b>学时</b>；"
    "案例配有情景模拟，可反复练习，体会不同处置方式带来的不同结果。</p>"
)

POLICIES_INTRO = (
    "<p>这里发布与窗口服务相关的新政策、新规定和新要求。请窗口工作人员在规定期限内认真阅读，"
    "完成确认前的小测，确保准确掌握、执行到位。</p>"
)

COURSES = [*SERVICE_COURSES, *RULES_COURSES]

__all__ = ["COURSES", "LEARNING_INTRO", "POLICIES", "POLICIES_INTRO", "SCENARIOS"]
