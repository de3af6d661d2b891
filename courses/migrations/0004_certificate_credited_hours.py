"""Certificates show the hours actually credited: a course completed after its due date
credited none, yet its certificate was issued with the course's hours. Set each existing
certificate's hours from the training-hours ledger (0 when nothing was credited)."""

from decimal import Decimal

from django.db import migrations


def credited_hours(apps, schema_editor):
    Certificate = apps.get_model("courses", "Certificate")
    TrainingRecord = apps.get_model("courses", "TrainingRecord")
    credited = {
        (staff_id, key): hours
        for staff_id, key, hours in TrainingRecord.objects.filter(source="course").values_list(
            "staff_id", "source_key", "hours"
        )
    }
    changed = []
    for certificate in Certificate.objects.only("pk", "staff_id", "course_id", "hours"):
        hours = credited.get((certificate.staff_id, f"course:{certificate.course_id}"), Decimal("0"))
        if certificate.hours != hours:
            certificate.hours = hours
            changed.append(certificate)
    Certificate.objects.bulk_update(changed, ["hours"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("courses", "0003_roles_and_moderation")]

    operations = [migrations.RunPython(credited_hours, migrations.RunPython.noop)]
