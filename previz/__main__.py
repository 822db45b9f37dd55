import sys

from previz.cli import main

sys.exit(main())
