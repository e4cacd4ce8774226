"""Trust semantics: what each cloud's trust admits (aws with iam's policy evaluator, gcp with
cel, azure), issuer platforms, environment tiers, the probes that test admission, the search
for witnesses from the patterns themselves (admission, witness; GCP conditions: cel_ways,
gcp_witness), and the join of CI workloads to the trusts they reach (workflows). build.py
maps the readers' resources into TrustRelationships.

May import: the vocabulary, input/ (positioned readers), and nothing of formats/ or terraform/.
"""
