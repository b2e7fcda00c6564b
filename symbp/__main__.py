"""``python -m symbp``: the symbp command line."""
import sys

from .cli.main import main

sys.exit(main())
