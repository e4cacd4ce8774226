"""StringLike globbing, pinned against an independent oracle (a plain recursive matcher)."""

from functools import lru_cache

from hypothesis import given, settings
from hypothesis import strategies as st

from trustlint.trust.glob import glob_match, has_wildcard, literal_prefix


def oracle(pattern: str, value: str) -> bool:
    """Textbook wildcard matching: '*' any run (incl. empty), '?' exactly one character."""

    @lru_cache(maxsize=None)
    def match(i: int, j: int) -> bool:
        if i == len(pattern):
            return j == len(value)
        char = pattern[i]
        if char == "*":
            return match(i + 1, j) or (j < len(value) and match(i, j + 1))
        if j == len(value):
            return False
        return (char == "?" or char == value[j]) and match(i + 1, j + 1)

    return match(0, 0)


ALPHABET = st.sampled_from(list("ab:/*?.-"))
patterns = st.text(ALPHABET, max_size=12)
values = st.text(st.sampled_from(list("ab:/.-*?")), max_size=12)


@settings(max_examples=400, deadline=None)
@given(patterns, values)
def test_glob_agrees_with_oracle(pattern, value):
    assert glob_match(pattern, value) == oracle(pattern, value)


@settings(max_examples=200, deadline=None)
@given(st.text(st.sampled_from(list("ab:/.-")), max_size=12))
def test_pattern_without_wildcards_matches_only_itself(text):
    assert glob_match(text, text)
    assert not glob_match(text, text + "x")
    assert not has_wildcard(text)


def test_star_crosses_colons_and_slashes():
    assert glob_match("repo:acme/*", "repo:acme/app:ref:refs/heads/main")
    assert glob_match("repo:acme/app:*", "repo:acme/app:pull_request")
    assert not glob_match("repo:acme/app:*", "repo:acme/app-evil:pull_request")


def test_question_mark_is_exactly_one_character():
    assert glob_match("v?", "v1")
    assert not glob_match("v?", "v")
    assert not glob_match("v?", "v12")


def test_iam_escapes_are_literal():
    assert glob_match("a${*}b", "a*b")
    assert not glob_match("a${*}b", "axb")
    assert glob_match("a${?}", "a?")
    assert not has_wildcard("a${*}b")


def test_unknown_placeholder_is_never_a_wildcard():
    placeholder = "\u27e8aws_iam_role.x[*].arn\u27e9"
    assert not has_wildcard(placeholder)
    assert glob_match(placeholder, placeholder)
    assert not glob_match(placeholder, "\u27e8aws_iam_role.x[1].arn\u27e9")
    assert glob_match(placeholder + ":*", placeholder + ":sub")


def test_literal_prefix_stops_at_first_wildcard():
    assert literal_prefix("repo:acme/web*:ref") == "repo:acme/web"
    assert literal_prefix("*") == ""
