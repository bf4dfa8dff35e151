"""All selectors and paths of the web systems, one module per system (``common`` for what they share).

When a municipality's real system changes its pages, this is the one place to change them.
"""
