"""Reference municipal systems for robot development and tests: Ydelsessystem, Indkomstregister and ESDH.

One FastAPI app (``rpa_core.sandbox.app.create_app``) over deterministic fictitious data
(``rpa_core.sandbox.generator.generate``); ``rpa sandbox serve`` runs it, ``rpa_core.sandbox.testing`` is the
pytest plugin. See README.md in this folder.
"""
