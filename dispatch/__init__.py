"""Field-operations domain and the shared kernel (settings, database, errors, clock, queue).

Nothing in this package imports a web framework; `api`, `sync` and `media` build on it.
"""
