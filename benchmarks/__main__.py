"""``python -m benchmarks``: run every workload and print the Markdown table."""

from .run import main

raise SystemExit(main())
