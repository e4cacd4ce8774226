"""Input: finding the files to read (discovery, the relevance pre-filter, the repository
root), reading JSON and YAML with a position on every value (jsonpos, yamlpos), and Bicep as
located statements parsed on demand (bicep_syntax; pycep-parser's grammar, imported lazily).

May import: the vocabulary only (trustlint/*.py: source, values, errors, model, ...).
"""
