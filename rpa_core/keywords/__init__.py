"""Robot Framework libraries and adapters: rpaframework's WorkItems and Vault over our queue and vault, and
our keyword libraries.

``LIBRARIES`` names every keyword library here (import path of the class), for ``rpa docs keywords``;
append a new library to it.
"""

LIBRARIES: list[str] = [
    "rpa_core.keywords.browser.BrowserKeywords",
    "rpa_core.keywords.items.ItemKeywords",
    "rpa_core.keywords.run.RunKeywords",
    "rpa_core.keywords.systems.SystemKeywords",
]
