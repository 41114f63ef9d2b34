"""``python -m extract``: the command line in extract.cli."""

import sys

from extract.cli import main

if __name__ == "__main__":
    sys.exit(main())
