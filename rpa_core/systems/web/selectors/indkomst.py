"""Indkomstregister (eIndkomst stand-in): paths and selectors."""

SYSTEM = "Indkomstregister"

SEARCH_PATH = "/opslag"
SEARCH_FORM = "#search-form"
CPR = "#cpr"
MONTH = "#month"
SEARCH_BUTTON = "#search-button"

PAYSLIP = "#payslip"  # data-month
LINES = "#income-lines"  # appears late with slow_table_ms
LINE = "section[data-test=income-line]"  # data-line-id, data-kind, data-income-type, data-cvr
REPORTER_CELL = "reporter"  # data-test of the reporter cell
FIELD_ROW = "tr[data-field]"  # data-field="0057"
FIELD_VALUE = "[data-test=field-value]"  # data-value
PAYSLIP_NAME = "#payslip-name"

# Elements that show a citizen's name: [navn] in failure HTML, covered in failure screenshots.
NAME_SELECTORS = (PAYSLIP_NAME,)
