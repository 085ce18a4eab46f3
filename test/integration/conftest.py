import pytest

from stoaclient import Client, stack_info


@pytest.fixture(scope="session")
def info():
    return stack_info()


@pytest.fixture
def client(info):
    return Client(info)
