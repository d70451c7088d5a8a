"""Benchmarks of the console, its switch and its UI, each beside a bare-aiortc (or bare-library) baseline.

Run ``python -m bench`` (every figure, a few minutes), ``python -m bench --quick``
(seconds, what the smoke test runs) or ``python -m bench --only NAME``. See
bench/README.md for what each figure means.
"""
