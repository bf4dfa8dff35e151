"""Given to ``python -m robocorp.tasks run`` as ``--preload-module``: CPR masking in robocorp.log's redacter."""

from rpa_core.privacy.robocorp_log import install

install()
