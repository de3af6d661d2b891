"""Every profile's current pay base becomes the first entry of its dated history, effective
from the hire date; people already deactivated get their last working day (the day their
profile last changed, the best record there is) so that they are evaluated up to it and not
after."""

import datetime as dt

from django.db import migrations

HISTORY_START = dt.date(2000, 1, 1)


def forwards(apps, schema_editor):
    from django.utils import timezone

    StaffProfile = apps.get_model("people", "StaffProfile")
    StaffPayBase = apps.get_model("people", "StaffPayBase")
    have = set(StaffPayBase.objects.values_list("staff_id", flat=True))
    rows = [
        StaffPayBase(staff_id=pk, effective_from=hire_date or HISTORY_START, amount=pay_base)
        for pk, hire_date, pay_base in StaffProfile.objects.values_list("pk", "hire_date", "pay_base")
        if pk not in have
    ]
    StaffPayBase.objects.bulk_create(rows, batch_size=1000)
    for profile in StaffProfile.objects.filter(active=False, leave_date__isnull=True).only("pk", "updated_at", "hire_date"):
        last_day = timezone.localdate(profile.updated_at) if profile.updated_at else timezone.localdate()
        if profile.hire_date and last_day < profile.hire_date:
            last_day = profile.hire_date
        StaffProfile.objects.filter(pk=profile.pk).update(leave_date=last_day)


class Migration(migrations.Migration):
    dependencies = [("people", "0005_pay_base_history_and_leave_date")]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
