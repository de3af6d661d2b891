"""The staff roster (人员名册) layout, as one django-import-export Resource.

The Resource describes the columns and how each cell is read. Two paths use it:
`people.services.staff_roster_import` (set-based, all-or-nothing: what the admin and
`import_staff` run) and django-import-export's own row-by-row `import_data` (kept
working; `make bench` compares the two).
"""

from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets

from home.spreadsheets import FlexibleDateWidget, MoneyWidget, TextWidget

from .models import ID_NUMBER_RE, PHONE_RE, Post, ServiceCentre, StaffProfile, VendorCompany, Window

STAFF_NO = "工号"
NAME = "姓名"
PHONE = "手机号"
ID_NUMBER = "身份证号"
CENTRE = "服务中心"
WINDOW_CODE = "窗口编号"
WINDOW_NAME = "窗口名称"
VENDOR = "用工单位"
POST = "岗位"
HIRE_DATE = "入职日期"
PAY_BASE = "绩效工资基数"
LEAVE_DATE = "离职日期"
EFFECTIVE_DATE = "生效日期"

ROSTER_HEADERS = (
    STAFF_NO,
    NAME,
    PHONE,
    ID_NUMBER,
    CENTRE,
    WINDOW_CODE,
    WINDOW_NAME,
    VENDOR,
    POST,
    HIRE_DATE,
    PAY_BASE,
    LEAVE_DATE,
    EFFECTIVE_DATE,
)
REQUIRED_HEADERS = (STAFF_NO, NAME, CENTRE, PAY_BASE)


class StaffResource(resources.ModelResource):
    staff_no = fields.Field(
        attribute="staff_no",
        column_name=STAFF_NO,
        widget=TextWidget(
            max_length=30,
            pattern=r"[A-Za-z0-9_-]+",
            pattern_message=_("Use letters, digits, - and _ only."),
        ),
    )
    name = fields.Field(attribute="name", column_name=NAME, widget=TextWidget(max_length=50))
    phone = fields.Field(
        attribute="phone",
        column_name=PHONE,
        widget=TextWidget(pattern=PHONE_RE.pattern, pattern_message=_("Not an 11-digit mobile number.")),
    )
    id_number = fields.Field(
        attribute="id_number",
        column_name=ID_NUMBER,
        widget=TextWidget(
            upper=True,
            pattern=ID_NUMBER_RE.pattern,
            pattern_message=_("Not an 18-character ID number (17 digits and a digit or X)."),
        ),
    )
    centre = fields.Field(
        attribute="centre",
        column_name=CENTRE,
        widget=widgets.ForeignKeyWidget(ServiceCentre, field="name"),
    )
    window = fields.Field(
        attribute="window",
        column_name=WINDOW_CODE,
        widget=widgets.ForeignKeyWidget(Window, field="code"),
    )
    window_name = fields.Field(attribute="window_name", column_name=WINDOW_NAME, readonly=True)
    vendor = fields.Field(
        attribute="vendor",
        column_name=VENDOR,
        widget=widgets.ForeignKeyWidget(VendorCompany, field="name"),
    )
    post = fields.Field(attribute="post", column_name=POST, widget=widgets.ForeignKeyWidget(Post, field="name"))
    hire_date = fields.Field(attribute="hire_date", column_name=HIRE_DATE, widget=FlexibleDateWidget())
    pay_base = fields.Field(attribute="pay_base", column_name=PAY_BASE, widget=MoneyWidget())
    # The last working day; an empty cell clears it (the person works again).
    leave_date = fields.Field(attribute="leave_date", column_name=LEAVE_DATE, widget=FlexibleDateWidget())
    # The day from which the row's centre and pay base apply (default: the import day). Not a
    # profile field: the set-based import records the change in the dated history.
    effective_from = fields.Field(attribute="effective_from", column_name=EFFECTIVE_DATE, widget=FlexibleDateWidget())

    class Meta:
        model = StaffProfile
        import_id_fields = ["staff_no"]
        fields = (
            "staff_no",
            "name",
            "phone",
            "id_number",
            "centre",
            "window",
            "window_name",
            "vendor",
            "post",
            "hire_date",
            "pay_base",
            "leave_date",
            "effective_from",
        )
        export_order = fields
        skip_unchanged = True
        use_transactions = True

    def get_export_queryset(self):
        return StaffProfile.objects.select_related("centre", "window", "vendor", "post").order_by("staff_no")

    def dehydrate_window_name(self, profile):
        return profile.window.name if profile.window_id else ""

    def dehydrate_effective_from(self, profile):
        return ""

    # --- row-by-row path (django-import-export's default) -------------------------

    def before_save_instance(self, instance, row, **kwargs):
        """A new roster row gets its login account: username = 工号, no usable password."""
        if instance.user_id is None:
            from .services import staff_account_create  # services imports this module

            instance.user = staff_account_create(staff_no=instance.staff_no, name=instance.name)
