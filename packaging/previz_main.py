"""The desktop bundle's entry point: ``previz`` with every CLI command; no arguments open the app."""

import multiprocessing
import sys

if __name__ == "__main__":
    # A frozen app starts its spawn-context children by running itself again; this turns such a start into
    # the child instead of a second app.
    multiprocessing.freeze_support()
    argv = sys.argv[1:]
    # Straight to the window, without the parser of every command group: no arguments, `app …`, or a
    # project opened from the file manager (macOS passes the .previz package as the only argument).
    opened = len(argv) == 1 and argv[0].rstrip("/\\").endswith(".previz")
    if not argv or argv[0] == "app" or opened:
        from previz.cli.app_cmds import main as app_main

        sys.exit(app_main(argv if opened else argv[1:]))
    from previz.cli import main

    sys.exit(main())
