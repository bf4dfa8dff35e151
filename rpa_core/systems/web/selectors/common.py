"""What every web system shares: the login page, the system message dialog, error pages, form errors."""

LOGIN_PATH = "/login"
LOGIN_FORM = "#login-form"
USERNAME = "#username"
PASSWORD = "#password"
LOGIN_BUTTON = "#login-button"
LOGIN_ERROR = "#login-error"
SESSION_EXPIRED_MESSAGE = "#login-message"
CURRENT_USER = "#current-user"

SYSTEM_MESSAGE = "#system-message"
SYSTEM_MESSAGE_CLOSE = "#system-message-close"

ERROR = "#error"  # data-code, data-status
ERROR_MESSAGE = "#error-message"
FORM_ERRORS = "#form-errors"
FLASH = "#flash"  # data-message
