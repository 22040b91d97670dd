"""``python -m cec_kg``: the same as the ``cec-kg`` command."""
import sys

from .ops.cli import main

sys.exit(main())
