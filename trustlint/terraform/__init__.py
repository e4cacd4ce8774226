"""Terraform: the HCL reader and tree helpers (hcl_reader, hcl), configuration and module
loading (configuration, instances, modules), the evaluator and its functions (evaluator,
functions, nodes), plan JSON (plan), and the resource readers per cloud (aws, gcp, azure),
which return typed, located resources (trustlint.resources), never trusts.

May import: the vocabulary and input/.
"""
