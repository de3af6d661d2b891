import secrets

import django.db.models.deletion
from django.db import migrations, models

# The same alphabet as course certificates: no 0/O, 1/I.
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def give_awards_codes(apps, schema_editor):
    Award = apps.get_model("competitions", "Award")
    used = set()
    for award in Award.objects.filter(code__isnull=True).only("pk"):
        code = "".join(secrets.choice(ALPHABET) for _ in range(12))
        while code in used:
            code = "".join(secrets.choice(ALPHABET) for _ in range(12))
        used.add(code)
        Award.objects.filter(pk=award.pk).update(code=code)


class Migration(migrations.Migration):

    dependencies = [
        ("competitions", "0003_judging"),
    ]

    operations = [
        migrations.AddField(
            model_name="entry",
            name="eliminated_in",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                related_name="eliminated_entries", to="competitions.round", verbose_name="out after round",
            ),
        ),
        migrations.AddField(
            model_name="award",
            name="code",
            field=models.CharField(max_length=16, null=True, verbose_name="verification code"),
        ),
        migrations.RunPython(give_awards_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="award",
            name="code",
            field=models.CharField(max_length=16, unique=True, verbose_name="verification code"),
        ),
    ]
