"""``python -m console``: the same as the ``anynode-console`` command."""

from console.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
