"""API implementations (httpx) of the system interfaces."""

from rpa_core.systems.api.client import ApiAdapter
from rpa_core.systems.api.esdh import EsdhApi
from rpa_core.systems.api.indkomst import IndkomstApi

__all__ = ["ApiAdapter", "EsdhApi", "IndkomstApi"]
