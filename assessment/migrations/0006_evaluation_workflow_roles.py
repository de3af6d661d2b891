"""HR and administrator permissions on the evaluation workflow and appeals (assessment/roles.py).

The groups are synced by `people.roles.sync_roles` after every migrate (post_migrate);
this migration only keeps its place in the graph."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("assessment", "0005_evaluation_workflow"),
    ]

    operations = []
