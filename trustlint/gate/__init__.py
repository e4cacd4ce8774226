"""The gate around findings: configuration (config), suppressions, baselines, and the files
a scan reports on (changed_files).

May import: the vocabulary (findings) and input/; never engine internals or reporters.
"""
