"""Where output goes and how it looks: the console streams (results on stdout, everything else on
stderr, all scrubbed)."""
