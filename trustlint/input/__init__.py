"""Input: finding the files to read (discovery, the relevance pre-filter, the repository
root) and reading JSON and YAML with a position on every value (jsonpos, yamlpos).

May import: the vocabulary only (trustlint/*.py: source, values, errors, model, ...).
"""
