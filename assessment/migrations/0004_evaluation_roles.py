"""HR and administrator permissions on assessment schemes and evaluations (assessment/roles.py)."""

from django.db import migrations


def sync_roles(apps, schema_editor):
    from people.roles import sync_roles as sync

    sync(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("assessment", "0003_evaluations"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
