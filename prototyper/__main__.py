"""Run the command-line interface: ``python -m prototyper``."""

from prototyper.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
