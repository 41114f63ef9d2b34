"""Make the repository importable first (``tests/extract`` must not shadow the ``extract`` package)."""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
