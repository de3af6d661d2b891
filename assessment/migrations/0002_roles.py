"""HR, supervisor and administrator permissions on service records (assessment/roles.py).

The groups are synced by `people.roles.sync_roles` after every migrate (post_migrate);
this migration only keeps its place in the graph."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("assessment", "0001_initial"),
        ("people", "0002_roles"),
    ]

    operations = []
