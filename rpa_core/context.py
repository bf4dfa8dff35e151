"""The environment contract between the runner and the Robot Framework child processes it starts.

The runner sets these variables; the work-item adapter and keyword libraries read them. Kept in the lowest
layer so both sides share one definition without importing each other.
"""

from __future__ import annotations

STORE_URL = "RPA_STORE_URL"
RUN_ID = "RPA_RUN_ID"
STEP_NAME = "RPA_STEP_NAME"
WORKER_ID = "RPA_WORKER_ID"
INPUT_QUEUE = "RPA_INPUT_QUEUE"
OUTPUT_QUEUE = "RPA_OUTPUT_QUEUE"
LEASE_SECONDS = "RPA_LEASE_SECONDS"
MAX_ATTEMPTS = "RPA_MAX_ATTEMPTS"
BACKOFF_SECONDS = "RPA_BACKOFF_SECONDS"
KILL_SWITCH = "RPA_KILL_SWITCH"
BUSINESS_CODES = "RPA_BUSINESS_CODES"  # comma-separated: robot.toml [queue] business_codes
WAIT_FOREVER = "RPA_WAIT_FOREVER"
ARTIFACTS_DIR = "RPA_ARTIFACTS_DIR"
WORKITEMS_ADAPTER = "RPA_WORKITEMS_ADAPTER"
ADAPTER_PATH = "rpa_core.keywords.workitems_adapter.QueueAdapter"
SECRET_MANAGER = "RPA_SECRET_MANAGER"
VAULT_ADAPTER_PATH = "rpa_core.keywords.vault_adapter.SecretStoreAdapter"
SECRETS_FILE = "RPA_SECRETS_FILE"
# Robocorp's Python libraries read these first (robocorp.workitems, robocorp.vault); ours subclass their bases.
ROBOCORP_WORKITEMS_ADAPTER = "RC_WORKITEM_ADAPTER"
ROBOCORP_ADAPTER_PATH = "rpa_core.keywords.robocorp_adapters.RobocorpQueueAdapter"
ROBOCORP_SECRET_MANAGER = "RC_VAULT_SECRET_MANAGER"
ROBOCORP_VAULT_ADAPTER_PATH = "rpa_core.keywords.robocorp_adapters.RobocorpVaultAdapter"
# Browser sessions (rpa_core.browser): read by BrowserSession.from_environment in the child process.
HEADED = "RPA_HEADED"
BROWSER_EXECUTABLE = "RPA_BROWSER_EXECUTABLE"
BROWSER_TRACE = "RPA_BROWSER_TRACE"
BROWSER_TIMEOUT_MS = "RPA_BROWSER_TIMEOUT_MS"
BROWSER_NAVIGATION_TIMEOUT_MS = "RPA_BROWSER_NAVIGATION_TIMEOUT_MS"
# Privacy (rpa_core.privacy.payloads): the payload fields that hold a citizen's name, comma separated.
PRIVACY_NAME_FIELDS = "RPA_PRIVACY_NAME_FIELDS"
