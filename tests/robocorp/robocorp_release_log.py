"""robocorp-workitems' own FileAdapter, and a note of each release it is told of (the reference side's Python tasks).

That FileAdapter keeps how an input was released (DONE, or FAILED with type, code and message) in memory only, and
robocorp.tasks' log does not show it for an exception raised in a ``with item:`` block. This subclass changes
nothing of what the adapter does; it also appends each release as a JSON line to ``$RELEASE_LOG``. The test points
``RC_WORKITEM_ADAPTER`` at it (``robocorp_release_log.FileAdapterWithReleaseLog``); the robot does not know.
"""

from __future__ import annotations

import json
import os

from robocorp.workitems import FileAdapter, State


class FileAdapterWithReleaseLog(FileAdapter):
    def release_input(self, item_id: str, state: State, exception: dict | None = None):
        super().release_input(item_id, state, exception)
        with open(os.environ["RELEASE_LOG"], "a", encoding="utf-8") as log:
            log.write(json.dumps({"item": int(item_id), "state": state.value, "exception": exception}) + "\n")
