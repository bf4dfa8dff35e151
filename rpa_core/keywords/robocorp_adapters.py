"""Robocorp's Python libraries (``robocorp.workitems``, ``robocorp.vault``) backed by our queue and secret store.

A Python robot written for Robocorp (``from robocorp import workitems, vault``; ``for item in workitems.inputs``,
``item.done()``, ``item.fail(...)``, ``workitems.outputs.create(...)``, ``vault.get_secret(...)``) runs here
unmodified when the runner sets:

- ``RC_WORKITEM_ADAPTER=rpa_core.keywords.robocorp_adapters.RobocorpQueueAdapter`` (robocorp.workitems reads it
  before ``RPA_WORKITEMS_ADAPTER``) and the run's context (``rpa_core.context``): the adapter wraps our
  rpaframework adapter, ``rpa_core.keywords.workitems_adapter.QueueAdapter``, which reads that context.
- ``RC_VAULT_SECRET_MANAGER=rpa_core.keywords.robocorp_adapters.RobocorpVaultAdapter``: secrets from
  ``.rpa/secrets.toml`` (or ``RPA_SECRETS_FILE``) and ``RPA_SECRET_<NAME>__<KEY>``, keys case-insensitive.

There is no Robot Framework log in a Python step, so a duplicate output reference is a ``[ WARN ] ...`` line on
stderr, which the runner counts in the step's console output. robocorp.log (under robocorp.tasks) logs every call
and variable of code outside site-packages, rpa_core too when it is installed editable; the adapters suppress it,
so the store's URL, its rows and the items' references (CPR numbers) stay out of the robot's log.html.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from robocorp import log as robocorp_log
from robocorp.vault._adapters import BaseSecretManager
from robocorp.vault._secrets import SecretContainer
from robocorp.workitems import BaseAdapter, EmptyQueue, State
from RPA.Robocorp.WorkItems import EmptyQueue as RpaEmptyQueue
from RPA.Robocorp.WorkItems import State as RpaState

from rpa_core.keywords.workitems_adapter import QueueAdapter
from rpa_core.privacy import register_secrets
from rpa_core.vault import SecretStore, SecretValues

_STATES = {State.DONE: RpaState.DONE, State.FAILED: RpaState.FAILED}


class _ConsoleQueueAdapter(QueueAdapter):
    """Our rpaframework adapter, its warnings written to the console instead of a Robot Framework log."""

    def _warn(self, text: str) -> None:
        print(f"[ WARN ] {text}", file=sys.stderr, flush=True)


class RobocorpQueueAdapter(BaseAdapter):
    """robocorp.workitems' adapter over our work queue: every call goes to a ``QueueAdapter`` (seeds for a step
    without an input queue, leases and heartbeats, duplicate references, classification of failures)."""

    @robocorp_log.suppress
    def __init__(self) -> None:
        self.queue: QueueAdapter = _ConsoleQueueAdapter()

    @robocorp_log.suppress
    def reserve_input(self) -> str:
        try:
            return self.queue.reserve_input()
        except RpaEmptyQueue as exc:
            raise EmptyQueue(str(exc)) from None

    @robocorp_log.suppress
    def release_input(self, item_id: str, state: State, exception: dict | None = None) -> None:
        """``exception`` is robocorp's ``{"type": "BUSINESS"|"APPLICATION", "code": ..., "message": ...}``: the
        same keys and values as rpaframework's, so it is passed on as it is."""
        self.queue.release_input(item_id, _STATES[State(state)], dict(exception) if exception else None)

    @robocorp_log.suppress
    def create_output(self, parent_id: str, payload: Any = None) -> str:
        return self.queue.create_output(parent_id, payload)

    @robocorp_log.suppress
    def load_payload(self, item_id: str) -> Any:
        return self.queue.load_payload(item_id)

    @robocorp_log.suppress
    def save_payload(self, item_id: str, payload: Any) -> None:
        self.queue.save_payload(item_id, payload)

    @robocorp_log.suppress
    def list_files(self, item_id: str) -> list[str]:
        return self.queue.list_files(item_id)

    @robocorp_log.suppress
    def get_file(self, item_id: str, name: str) -> bytes:
        return self.queue.get_file(item_id, name)

    @robocorp_log.suppress
    def add_file(self, item_id: str, name: str, content: bytes) -> None:
        self.queue.add_file(item_id, name, original_name=name, content=content)

    @robocorp_log.suppress
    def remove_file(self, item_id: str, name: str) -> None:
        self.queue.remove_file(item_id, name)


class CaseInsensitiveSecretContainer(SecretContainer):
    """robocorp.vault's ``SecretContainer`` over the store's ``SecretValues``: ``API_KEY``, ``api_key`` and
    ``Api_Key`` are one key; listing its keys shows the file's spelling; repr shows keys, never values."""

    def __init__(self, name: str, description: str, values: Mapping[str, str]) -> None:
        super().__init__(name, description, {})
        self._dict = SecretValues(values)


class RobocorpVaultAdapter(BaseSecretManager):
    """robocorp.vault's secret manager over ``rpa_core.vault.SecretStore`` (read-only for robots)."""

    @robocorp_log.suppress
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.store = SecretStore()

    @robocorp_log.suppress
    def get_secret(self, secret_name: str) -> SecretContainer:
        """The secret under the name the robot asks for (names and keys are case-insensitive); its values are
        registered for masking (``***`` in every log of this process)."""
        values, source = self.store.lookup(secret_name)
        register_secrets(values)
        return CaseInsensitiveSecretContainer(secret_name, source, values)

    @robocorp_log.suppress
    def set_secret(self, secret: SecretContainer) -> None:
        raise NotImplementedError(
            "secrets are written by an administrator, not by robots: `rpa vault set NAME FIELD` "
            f"(or, in development, {self.store.path})"
        )
