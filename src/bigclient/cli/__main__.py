"""``python -m bigclient.cli`` runs the ``bigclient`` command."""

import sys

from bigclient.cli import main

sys.exit(main())
