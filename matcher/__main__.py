"""Entry point for `python -m matcher`."""
import sys

from matcher.cli import main

sys.exit(main())
