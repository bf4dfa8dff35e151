"""Ydelsessystem (KMD Aktiv / KY stand-in): paths and selectors."""

SYSTEM = "Ydelsessystem"

LIST_PATH = "/betalinger"  # ?enhed=FLEKS&ydelse=FLT&status=afventer&side=N
PAYMENT_PATH = "/betalinger/{payment_id}"
STATUS_PENDING = "afventer"

# the list and its filters
FILTER_FORM = "#filter-form"
FILTER_UNIT = "#filter-unit"  # FLEKS, LEDIG
FILTER_GRANT = "#filter-grant"  # FLT, LY
FILTER_STATUS = "#filter-status"  # afventer, godkendt, alle
FILTER_SUBMIT = "#filter-submit"
PAYMENTS_TABLE = "#payments-table"
PAYMENT_ROW = "tr[data-test=payment-row]"  # data-payment-id, data-status; cells by data-test below
CELL_CPR, CELL_NAME, CELL_MONTH = "cpr", "name", "month"
CELL_UNIT, CELL_GRANT, CELL_PREVIOUS = "unit", "grant", "previous-subsidy"  # data-value
PAGE_INFO = "#page-info"  # data-page, data-pages, data-total
NEXT_PAGE = "#next-page"

# one payment
PAYMENT_ID = "#payment-id"
CITIZEN_NAME = "#citizen-name"
CITIZEN_CPR = "#citizen-cpr"
PAYMENT_MONTH = "#payment-month"  # data-month
INCOME_MONTH = "#income-month"  # data-month
PAYMENT_UNIT = "#payment-unit"  # data-value
PAYMENT_GRANT = "#payment-grant"  # data-value
PAYMENT_STATUS = "#payment-status"  # data-status
PREVIOUS_SUBSIDY = "#previous-subsidy"  # data-value
UNPAID_HOLIDAY = "#unpaid-holiday"  # data-days
ATP = "#atp"  # data-value
INCOME_FORM = "#income-form"
FIELDS = {
    "wage": "#wage",
    "own_pension": "#own-pension",
    "employer_pension": "#employer-pension",
    "hours": "#hours",
    "holiday_pay": "#holiday-pay",
    "subsidy": "#subsidy",
}
SAVE_INCOME = "#save-income"
APPROVE_BUTTON = "#approve-button"

# the confirmation step
CONFIRM_DIALOG = "#confirm-dialog"
CONFIRM_SUBSIDY = "#confirm-subsidy"  # data-value
CONFIRM_APPROVE = "#confirm-approve"
CONFIRM_NAME = "#confirm-name"

# Elements that show a citizen's name: [navn] in failure HTML, covered in failure screenshots.
NAME_SELECTORS = (CITIZEN_NAME, f"[data-test={CELL_NAME}]", CONFIRM_NAME)
