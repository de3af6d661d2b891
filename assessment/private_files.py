"""Inspection photos are private files (home.private_files): who may see one, and deleting
a photo when its finding is deleted or the photo replaced."""

import os

from django.db.models import Q
from django.db.models.signals import post_delete, pre_save
from django.dispatch import receiver

from home.private_files import PrivateFileKind, delete_private_file

from . import roles
from .models import InspectionFinding

VIEW_FINDINGS = "assessment.view_inspectionfinding"


def finding_photo_name_for(user, name):
    """A name to show for the photo stored as `name`, when `user` may see it, else None.

    HR and administrators see every photo; supervisors those of findings against staff of
    the centres they supervise; a staff member the photos of findings against themselves
    (their portal lists those findings)."""
    findings = InspectionFinding.objects.filter(photo=name)
    if user.has_perm(VIEW_FINDINGS) and user.has_perm(roles.ALL_CENTRES):
        pass
    elif user.has_perm(VIEW_FINDINGS):
        findings = findings.filter(Q(staff__centre__supervisors=user) | Q(staff__user=user))
    else:
        findings = findings.filter(staff__user=user)
    finding = findings.only("pk", "observed_at").first()
    if finding is None:
        return None
    return f"finding-{finding.pk}{os.path.splitext(name)[1].lower()}"


def private_file_kind():
    return PrivateFileKind(folder="inspections", resolve=finding_photo_name_for)


@receiver(pre_save, sender=InspectionFinding)
def _delete_replaced_photo(sender, instance, raw=False, **kwargs):
    if raw or not instance.pk:
        return
    previous = sender.objects.filter(pk=instance.pk).values_list("photo", flat=True).first()
    if previous and previous != instance.photo.name:
        from django.db import transaction

        transaction.on_commit(lambda: delete_private_file(previous))


@receiver(post_delete, sender=InspectionFinding)
def _delete_photo_of_deleted_finding(sender, instance, **kwargs):
    if instance.photo.name:
        from django.db import transaction

        name = instance.photo.name
        transaction.on_commit(lambda: delete_private_file(name))
