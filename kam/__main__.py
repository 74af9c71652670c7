import sys

from kam.cli import main

sys.exit(main())
