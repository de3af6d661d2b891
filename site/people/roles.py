"""The roles of DESIGN's role table, as Django groups with their permissions.

The roles are data: `sync_roles` runs after every `migrate` (and `flush`) from a
post_migrate receiver (people.apps), so every database gets the same groups and a change
of a role's permissions is an edit of this module or of an app's `roles.py`, nothing more.
"""

from django.db import DEFAULT_DB_ALIAS

STAFF = "窗口人员"
TRAINER = "培训师"
HR = "人事"
SUPERVISOR = "督查"
VENDOR = "用工单位"
JUDGE = "评委"
ADMIN = "管理员"

ALL_ROLES = [STAFF, TRAINER, HR, SUPERVISOR, VENDOR, JUDGE, ADMIN]

_ACCESS_ADMIN = ["wagtailadmin.access_admin"]
_MEDIA = [
    "wagtailimages.add_image",
    "wagtailimages.change_image",
    "wagtailimages.choose_image",
    "wagtaildocs.add_document",
    "wagtaildocs.change_document",
    "wagtaildocs.choose_document",
]
_DIRECTORY_VIEW = [
    "people.view_servicecentre",
    "people.view_window",
    "people.view_vendorcompany",
    "people.view_post",
    "people.view_staffprofile",
]
_DIRECTORY_EDIT = [
    f"people.{action}_{model}"
    for model in ("servicecentre", "window", "vendorcompany", "post", "staffprofile")
    for action in ("add", "change", "delete")
]

# Moves are recorded when a profile's centre changes; HR may only correct their date.
_CENTRE_MOVES = ["people.view_centremove", "people.change_centremove"]
# The dated pay base history: HR corrects and adds entries (trainers never see pay).
_PAY_BASES = [f"people.{action}_staffpaybase" for action in ("add", "change", "delete", "view")]

# Permissions are "app_label.codename". Each app adds its own in `<app>/roles.py`
# (a ROLE_PERMISSIONS dict of role → list).
BASE_ROLE_PERMISSIONS = {
    STAFF: [],
    TRAINER: _ACCESS_ADMIN + _MEDIA + _DIRECTORY_VIEW,
    HR: _ACCESS_ADMIN
    + _MEDIA
    + _DIRECTORY_VIEW
    + _DIRECTORY_EDIT
    + ["people.view_personal_data", "people.view_vendormanager", "people.change_vendormanager"]
    + _CENTRE_MOVES
    + _PAY_BASES,
    SUPERVISOR: _ACCESS_ADMIN + _DIRECTORY_VIEW,
    VENDOR: [],
    JUDGE: [],
    ADMIN: _ACCESS_ADMIN
    + _MEDIA
    + _DIRECTORY_VIEW
    + _DIRECTORY_EDIT
    + _CENTRE_MOVES
    + _PAY_BASES
    + [
        "people.view_personal_data",
        "people.add_vendormanager",
        "people.change_vendormanager",
        "people.delete_vendormanager",
        "people.view_vendormanager",
        "auth.add_user",
        "auth.change_user",
        "auth.delete_user",
        "auth.view_user",
        "auth.add_group",
        "auth.change_group",
        "auth.delete_group",
        "auth.view_group",
        "wagtailcore.add_site",
        "wagtailcore.change_site",
        "wagtailcore.delete_site",
        "home.change_sitesettings",
    ],
}


def role_permissions():
    """Every role's permissions: the base ones above plus each installed app's `roles` module."""
    from importlib import import_module
    from importlib.util import find_spec

    from django.apps import apps as installed

    merged = {role: list(perms) for role, perms in BASE_ROLE_PERMISSIONS.items()}
    for app_config in installed.get_app_configs():
        if app_config.label == "people" or find_spec(f"{app_config.name}.roles") is None:
            continue
        for role, perms in import_module(f"{app_config.name}.roles").ROLE_PERMISSIONS.items():
            merged[role].extend(p for p in perms if p not in merged[role])
    return merged


def sync_roles(*, apps=None, using=DEFAULT_DB_ALIAS):
    """Create the role groups and set exactly their permissions. Safe to run again.

    `apps` is an app registry whose models match the database (the migration state
    post_migrate passes, or the installed apps by default). Raises LookupError for a
    permission that no model has: a typo in a roles module."""
    from django.apps import apps as installed
    from django.contrib.auth.management import create_permissions

    apps = apps or installed
    wanted_by_role = role_permissions()
    wanted = {tuple(dotted.split(".", 1)) for perms in wanted_by_role.values() for dotted in perms}
    app_labels = {app_label for app_label, _codename in wanted}
    # Django creates permissions app by app at post_migrate, some after this runs.
    for app_config in installed.get_app_configs():
        if app_config.label in app_labels:
            create_permissions(app_config, verbosity=0, using=using, apps=apps)

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    found = {
        (app_label, codename): pk
        for pk, app_label, codename in Permission.objects.using(using)
        .filter(content_type__app_label__in=app_labels, codename__in={codename for _label, codename in wanted})
        .values_list("pk", "content_type__app_label", "codename")
    }
    missing = sorted(".".join(key) for key in wanted - set(found))
    if missing:
        raise LookupError(f"Role permissions that no model has: {', '.join(missing)}")
    for role in ALL_ROLES:
        group, _created = Group.objects.using(using).get_or_create(name=role)
        group.permissions.set([found[tuple(dotted.split(".", 1))] for dotted in wanted_by_role[role]])


def sync_roles_after_migrate(sender, *, apps=None, using=DEFAULT_DB_ALIAS, **kwargs):
    """post_migrate receiver: sync once per migrate, after the last app, and only when the
    database holds every installed model (a migrate back to an older state leaves the
    groups as they are until the next full migrate)."""
    from django.apps import apps as installed

    last = [config for config in installed.get_app_configs() if config.models_module is not None][-1]
    if sender.label != last.label:
        return
    apps = apps or installed  # `flush` sends no migration state
    migrated = {app_config.label for app_config in apps.get_app_configs()}
    for model in installed.get_models():
        try:
            if model._meta.app_label in migrated:
                apps.get_model(model._meta.app_label, model._meta.model_name)
        except LookupError:
            return
    sync_roles(apps=apps, using=using)
