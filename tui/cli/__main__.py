"""``python -m huiyin.tui.cli``: the ``huiyin`` command."""

import sys

from huiyin.tui.cli import main

sys.exit(main())
