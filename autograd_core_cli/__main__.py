"""``python -m autograd_core_cli`` runs the command line, as ``autograd-core`` does."""

import sys

from .main import main

sys.exit(main())
