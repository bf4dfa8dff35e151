"""Run the sandbox with uvicorn on 127.0.0.1: in the foreground (``rpa sandbox serve``) or in a background
thread (tests, benchmarks). Log records pass through a filter that masks CPR numbers, access log included."""

from __future__ import annotations

import copy
import logging
import socket
import threading
import time
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from rpa_core.privacy import mask_cpr, mask_data

HOST = "127.0.0.1"
_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "rpa_core.sandbox")


class MaskCprFilter(logging.Filter):
    """Mask CPR numbers in a record's message and arguments (keeps the argument shapes uvicorn expects)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask_cpr(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(mask_data(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = mask_data(record.args)
        return True


def log_config(level: str = "info") -> dict[str, Any]:
    """uvicorn's logging configuration with the CPR filter on every logger and handler."""
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["filters"] = {"mask_cpr": {"()": MaskCprFilter}}
    for handler in config["handlers"].values():
        handler["filters"] = ["mask_cpr"]
    config["loggers"].setdefault("rpa_core.sandbox", {"handlers": ["default"], "propagate": False})
    for name in _LOGGERS:
        config["loggers"].setdefault(name, {})
        config["loggers"][name]["filters"] = ["mask_cpr"]
        config["loggers"][name]["level"] = level.upper()
    return config


def bind(port: int = 0, host: str = HOST) -> socket.socket:
    """A listening socket on ``host:port`` (port 0: a free one)."""
    # IPPROTO_TCP explicitly: asyncio only turns Nagle off (TCP_NODELAY) on sockets that say they are TCP.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    return sock


def uvicorn_server(app: FastAPI, *, log_level: str = "info", access_log: bool = True) -> uvicorn.Server:
    """A uvicorn server for ``app`` with CPR-masking logs."""
    config = uvicorn.Config(
        app, log_config=log_config(log_level), log_level=log_level, access_log=access_log, lifespan="off"
    )
    return uvicorn.Server(config)


class SandboxServer:
    """The sandbox on a free localhost port in a background thread. Use as a context manager or start/stop."""

    def __init__(self, app: FastAPI, *, port: int = 0, log_level: str = "warning", access_log: bool = False) -> None:
        self.app = app
        self._sock = bind(port)
        self.port: int = self._sock.getsockname()[1]
        self.base_url = f"http://{HOST}:{self.port}"
        self._server = uvicorn_server(app, log_level=log_level, access_log=access_log)
        self._thread: threading.Thread | None = None

    def start(self, timeout: float = 15) -> SandboxServer:
        """Start serving and wait until ``/health`` answers."""
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, name=f"sandbox-{self.port}", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._server.started:
                try:
                    if httpx.get(f"{self.base_url}/health", timeout=2).status_code == 200:
                        return self
                except httpx.HTTPError:
                    pass
            if not self._thread.is_alive():
                break
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"sandbox did not start on {self.base_url} within {timeout} s")

    def stop(self, timeout: float = 10) -> None:
        """Stop serving and wait for the thread to end."""
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        self._sock.close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
