from django.db import migrations


def sync_roles(apps, schema_editor):
    from people.roles import sync_roles as sync

    sync(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("competitions", "0001_initial"),
        ("people", "0002_roles"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
