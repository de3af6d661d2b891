"""Remove Wagtail's default "Editors" and "Moderators" groups and its default workflow.

Wagtail's own migrations create them; our roles (people/roles.py) are other groups, so the
group list showed two English groups nobody uses, and the "Moderators approval" workflow
on the root page sent every page outside our own workflows to an approver group with no
members. A group someone was put in, and a workflow with moderation under way, stay.
The root page's title "Root" becomes 根目录.
"""

from django.db import migrations

WAGTAIL_DEFAULT_GROUPS = ["Editors", "Moderators"]
WAGTAIL_DEFAULT_WORKFLOW = "Moderators approval"


def remove_wagtail_defaults(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowState = apps.get_model("wagtailcore", "WorkflowState")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    TaskState = apps.get_model("wagtailcore", "TaskState")

    unused = Group.objects.filter(name__in=WAGTAIL_DEFAULT_GROUPS, user__isnull=True)
    for workflow in Workflow.objects.filter(name=WAGTAIL_DEFAULT_WORKFLOW):
        if WorkflowState.objects.filter(workflow=workflow).exists():
            continue
        tasks = GroupApprovalTask.objects.filter(workflow_tasks__workflow=workflow)
        # Only Wagtail's own task: approval by the Moderators group alone.
        if any(set(t.groups.values_list("name", flat=True)) - {"Moderators"} for t in tasks):
            continue
        for task in tasks:
            if not TaskState.objects.filter(task_id=task.pk).exists():
                task.delete()
        workflow.delete()
    # The tree's root, shown in the page explorer and breadcrumbs, read "Root".
    Page = apps.get_model("wagtailcore", "Page")
    Page.objects.filter(depth=1, title="Root").update(title="根目录", draft_title="根目录")
    for group in unused:
        if group.name == "Moderators" and GroupApprovalTask.objects.filter(groups=group).exists():
            continue  # still the approvers of a workflow kept above
        group.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("home", "0005_private_import_files"),
        ("auth", "0012_alter_user_first_name_max_length"),
        # After every Wagtail migration that creates or grants to these groups.
        ("wagtailcore", "0098_apitoken"),
        ("wagtailadmin", "0006_formstate"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
    ]

    operations = [migrations.RunPython(remove_wagtail_defaults, migrations.RunPython.noop)]
