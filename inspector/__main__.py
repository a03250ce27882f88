"""`python -m inspector` is the same as the `keras-inspector` command."""

from inspector.cli import main

raise SystemExit(main())
