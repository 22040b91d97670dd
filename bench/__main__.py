"""``python -m bench`` (what ``make bench`` runs): see ``bench/README.md``."""
import sys

from .run import main

sys.exit(main())
