"""``python -m orthoshare``: the same as the ``orthoshare`` command."""

import sys

from .cli import main

sys.exit(main())
