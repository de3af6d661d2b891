"""HR and administrator permissions on the evaluation workflow and appeals (assessment/roles.py)."""

from django.db import migrations


def sync_roles(apps, schema_editor):
    from people.roles import sync_roles as sync

    sync(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("assessment", "0005_evaluation_workflow"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
