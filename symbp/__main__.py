"""``python -m symbp``: the symbp command line."""
import sys

from .cli import main

sys.exit(main())
