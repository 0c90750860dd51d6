"""apcv-hil harness: links, rigs, clock, traces, reports, pytest plugin and CLI."""
