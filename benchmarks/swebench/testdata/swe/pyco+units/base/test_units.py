import pytest

from units import to_metres


def test_metres():
    assert to_metres(3, "m") == 3


def test_centimetres():
    assert to_metres(250, "cm") == 2.5


def test_unknown():
    with pytest.raises(ValueError):
        to_metres(1, "parsec")
