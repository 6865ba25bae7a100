"""`python -m deploy` is `python -m deploy.federation`."""

import sys

from deploy.federation import main

sys.exit(main())
