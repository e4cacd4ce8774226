"""trustlint: stop risky workload identity federation trust before it merges."""

__version__ = "0.2.0.dev0"
