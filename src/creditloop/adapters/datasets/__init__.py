"""Public credit data sets turned into the behaviour panel (``monitoring/panel.py``), read in place (never copied).

Each module documents its mapping and its caveats; none reads a protected attribute.
"""
