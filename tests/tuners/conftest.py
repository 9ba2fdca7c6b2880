"""Tuner contract tests run single-threaded (see ``tiny_models.single_thread``)."""

import pytest

from .tiny_models import single_thread


@pytest.fixture(autouse=True)
def _one_thread():
    import torch

    before = torch.get_num_threads()
    single_thread()
    yield
    torch.set_num_threads(before)
