"""The inventory: every non-human identity a scan found (who can become it, for how long, with
which privileges), every static credential and every CI job that obtains credentials; the
rollout metrics; the trust graph; and what a change does to all of it (compare, merge).

Built from a scan's facts and findings (build), rendered as text, JSON, CSV, Markdown, Mermaid
and Graphviz (render), compared between two commits (compare).

May import: the vocabulary (findings, model) and gate/ (a trusted commit's tree, to compare);
never the readers, the trust semantics or the engine: it reads their facts.
"""
