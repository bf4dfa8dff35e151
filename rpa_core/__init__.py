"""rpa-core: an open RPA framework and runner for municipalities."""


def installed_version() -> str | None:
    """The installed distribution's version, or None when run from a source tree that was never installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("rpa-core")
    except PackageNotFoundError:
        return None
