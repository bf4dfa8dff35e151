"""``python -m rpa_core.runner.robocorp_tasks run FILE -t TASK``: Robocorp's ``robocorp.tasks`` CLI for a Python
task step, with our parts loaded first.

robocorp.tasks installs robocorp.log's import hook, which rewrites every module imported after it that lies
outside the robot's folder to log its calls: our adapters, SQLAlchemy and rpaframework took about 5 s per
process that way, and their internals (the store's URL, rows, references) went into the robot's log. Imported
here first, they are left as they are. robocorp.log's redacter gets its CPR masking here too.
"""

from __future__ import annotations

import sys

import rpa_core.keywords.robocorp_adapters  # noqa: F401  (the store, SQLAlchemy and rpaframework with it)
from rpa_core.privacy.robocorp_log import install

if __name__ == "__main__":
    install()
    from robocorp.tasks.cli import main

    sys.exit(main())
