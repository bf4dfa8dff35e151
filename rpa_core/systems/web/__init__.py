"""Web implementations (Playwright page objects) of the system interfaces; importing this imports Playwright."""

from rpa_core.systems.web.base import WebAdapter
from rpa_core.systems.web.esdh import EsdhWeb
from rpa_core.systems.web.indkomst import IndkomstWeb
from rpa_core.systems.web.ydelse import YdelseWeb

__all__ = ["EsdhWeb", "IndkomstWeb", "WebAdapter", "YdelseWeb"]
