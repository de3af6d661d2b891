"""Moderation of learning content (the roles' permissions of courses/roles.py are synced
after every migrate by people.roles): the 培训审核 group (senior trainers),
the 培训内容审核 workflow with one approval by that group, attached to the learning sections
if they exist already (services.learning_moderation_ensure does the same for new ones), and
no publish permission left for plain trainers there."""

from django.db import migrations

SENIOR_TRAINER_GROUP = "培训审核"
WORKFLOW = "培训内容审核"
TASK = "培训审核组审批"
TRAINER = "培训师"
SENIOR_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page", "lock_page", "unlock_page")


def moderation(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    CourseIndexPage = apps.get_model("courses", "CourseIndexPage")
    PolicyIndexPage = apps.get_model("courses", "PolicyIndexPage")

    seniors, _created = Group.objects.get_or_create(name=SENIOR_TRAINER_GROUP)
    seniors.permissions.add(*Permission.objects.filter(content_type__app_label="wagtailadmin", codename="access_admin"))
    task_type, _created = ContentType.objects.get_or_create(app_label="wagtailcore", model="groupapprovaltask")
    task = GroupApprovalTask.objects.filter(name=TASK).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=TASK, content_type=task_type, active=True)
    task.groups.add(seniors)
    workflow = Workflow.objects.filter(name=WORKFLOW).first()
    if workflow is None:
        workflow = Workflow.objects.create(name=WORKFLOW, active=True)
    if not WorkflowTask.objects.filter(workflow=workflow, task=task).exists():
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)

    permissions = {
        p.codename: p
        for p in Permission.objects.filter(content_type__app_label="wagtailcore", codename__in=SENIOR_PAGE_PERMISSIONS)
    }
    trainers = Group.objects.filter(name=TRAINER).first()
    sections = [p.page_ptr_id for p in CourseIndexPage.objects.all()] + [p.page_ptr_id for p in PolicyIndexPage.objects.all()]
    for page_id in sections:
        for permission in permissions.values():
            GroupPagePermission.objects.get_or_create(group=seniors, page_id=page_id, permission=permission)
        if trainers is not None and "publish_page" in permissions:
            GroupPagePermission.objects.filter(
                group=trainers, page_id=page_id, permission=permissions["publish_page"]
            ).delete()
        WorkflowPage.objects.get_or_create(page_id=page_id, defaults={"workflow": workflow})


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0002_learning_records"),
        ("people", "0002_roles"),
        ("wagtailcore", "0098_apitoken"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(moderation, migrations.RunPython.noop),
    ]
