"""Pipeline stages. Each module registers its factories in :mod:`kotext.registry`."""
