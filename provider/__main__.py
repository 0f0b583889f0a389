"""The ``ims`` plugin: the Python language host runs this folder with the engine's address."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout's `components`

from components.provider.server import main

main()
