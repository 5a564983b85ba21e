"""Entry point for `python -m ocr.engine`."""

import sys

from .cli import main

sys.exit(main())
