from home.import_command import SpreadsheetImportCommand


class Command(SpreadsheetImportCommand):
    help = "Import offline training records (工号, 培训名称, 日期, 学时, 形式): all rows or none."
    import_key = "training"
