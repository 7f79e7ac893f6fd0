import pytest

from slugs import slugify


def test_spaces():
    assert slugify("a  b c") == "a-b-c"


@pytest.mark.parametrize("title,want", [("one", "one"), ("two words", "two-words")])
def test_simple(title, want):
    assert slugify(title) == want
