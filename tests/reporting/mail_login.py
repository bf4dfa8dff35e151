"""The one login the test mail servers accept (a module of its own: ``conftest`` is a name other folders share)."""

USERNAME = "robot@kommune.example"
PASSWORD = "Sm7p-h3mmelig-Kode!"  # the one value that must never be seen in a log or message
