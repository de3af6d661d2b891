from home.import_command import SpreadsheetImportCommand


class Command(SpreadsheetImportCommand):
    help = (
        "Import attendance from DingTalk's 每日统计 export or the generic layout "
        "(工号, 日期, 上班打卡, 下班打卡, 请假类型): all rows or none."
    )
    import_key = "attendance"
