"""ESDH (SBSYS / Acadre stand-in): paths and selectors."""

SYSTEM = "ESDH"

SEARCH_PATH = "/soeg"
SEARCH_FORM = "#search-form"
CPR = "#cpr"
SEARCH_BUTTON = "#search-button"
CASES_TABLE = "#cases-table"
CASE_ROW = "tr[data-test=case-row]"  # data-case-number, data-kind, data-status
ROW_TITLE = "case-title"  # data-test of the title cell

CASE_PATH = "/sager/{case_number}"
CASE_NUMBER = "#case-number"
CASE_TITLE = "#case-title"
CASE_CPR = "#case-cpr"
CASE_KIND = "#case-kind"
CASE_STATUS = "#case-status"  # data-status
NOTES_TABLE = "#notes-table"  # appears late with slow_table_ms
NOTE_ROW = "tr[data-test=note-row]"  # data-note-id
NOTE_TITLE, NOTE_TEXT, NOTE_AUTHOR, NOTE_CREATED = "note-title", "note-text", "note-author", "note-created"
NOTE_CREATED_FORMAT = "%d-%m-%Y %H.%M"
NEW_NOTE_TITLE = "#note-title"
NEW_NOTE_TEXT = "#note-text"
NOTE_SUBMIT = "#note-submit"

# Elements that show a citizen's name (a case's title holds it): [navn] in failure HTML, covered in screenshots.
NAME_SELECTORS = (CASE_TITLE, f"[data-test={ROW_TITLE}]")
