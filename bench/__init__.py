"""Benchmarks: ``python -m bench.<name>``, each runs our code and its floor in one go."""
