"""The roles of DESIGN's role table, as Django groups with their permissions.

Migrations call `sync_roles` so that every database gets the same groups; a later
change of a role's permissions ships as a new migration that calls it again.
"""

from django.utils.translation import gettext_lazy as _

STAFF = "窗口人员"
TRAINER = "培训师"
HR = "人事"
SUPERVISOR = "督查"
VENDOR = "用工单位"
JUDGE = "评委"
ADMIN = "管理员"

ALL_ROLES = [STAFF, TRAINER, HR, SUPERVISOR, VENDOR, JUDGE, ADMIN]

# Roles whose members may enter the Wagtail admin.
ADMIN_ROLES = [TRAINER, HR, SUPERVISOR, ADMIN]

ROLE_LABELS = {
    STAFF: _("Window staff"),
    TRAINER: _("Trainer"),
    HR: _("HR"),
    SUPERVISOR: _("Supervisor"),
    VENDOR: _("Vendor manager"),
    JUDGE: _("Judge"),
    ADMIN: _("Administrator"),
}

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
# (a ROLE_PERMISSIONS dict of role → list) and a migration that calls sync_roles again.
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


def sync_roles(apps, schema_editor=None):
    """Create the role groups and set exactly their permissions. Safe to run again."""
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrate; make sure they exist now.
    for app_config in apps.get_app_configs():
        # create_permissions skips apps whose models_module is unset, as it is in the
        # migration state's app registry.
        previous = getattr(app_config, "models_module", None)
        app_config.models_module = previous or True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = previous

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    wanted_by_role = role_permissions()
    for role in ALL_ROLES:
        group, _created = Group.objects.get_or_create(name=role)
        perms = []
        for dotted in wanted_by_role[role]:
            app_label, codename = dotted.split(".", 1)
            if not _has_models(apps, app_label):
                # That app's tables come later in this migration run; its own roles
                # migration syncs again once they exist.
                continue
            perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm is None and _model_comes_later(apps, app_label, codename):
                # A model a later migration of its app adds (e.g. an older roles migration
                # replayed on a fresh database): that app's newer roles migration syncs again.
                continue
            if perm is None:
                raise LookupError(f"Permission {dotted} for role {role} does not exist")
            perms.append(perm)
        group.permissions.set(perms)


def _model_comes_later(apps, app_label, codename):
    """Whether the permission belongs to a model of the current code that the migration
    state does not have yet."""
    from django.apps import apps as current

    for model in current.get_app_config(app_label).get_models():
        opts = model._meta
        codenames = {f"{action}_{opts.model_name}" for action in opts.default_permissions}
        codenames.update(name for name, _label in opts.permissions)
        if codename in codenames:
            try:
                apps.get_model(app_label, opts.model_name)
            except LookupError:
                return True
            return False
    return False


def _has_models(apps, app_label):
    try:
        return any(True for _model in apps.get_app_config(app_label).get_models())
    except LookupError:
        return False
