"""``python -m bigclient`` runs the ``bigclient`` command."""

import sys

from bigclient.cli import main

sys.exit(main())
