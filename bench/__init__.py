"""Benchmarks: ``python -m bench [NAME…]`` runs them and prints one table each. See each module's docstring."""
