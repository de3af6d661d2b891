from home.import_command import SpreadsheetImportCommand


class Command(SpreadsheetImportCommand):
    help = "Import the staff roster (人员名册) from an .xlsx or .csv file: all rows or none."
    import_key = "staff"
