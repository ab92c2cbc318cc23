"""Fixtures of the case tests: a case of the signed-in caseworker's, and one of nobody's."""

import pytest


@pytest.fixture
def own_case(make_case):
    return make_case(owner="caseworker")


@pytest.fixture
def other_case(make_case):
    return make_case(owner=None)
