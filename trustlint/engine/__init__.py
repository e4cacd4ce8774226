"""Rule engine: facts (the plain JSON every rule reads, from the trust model), rule files
and their loading (rules, rule_cache), (the CEL subset for built-in conditions is trustlint/cel_subset.py),
and the engine that turns facts into findings.

May import: the vocabulary, input/ and trust/.
"""
