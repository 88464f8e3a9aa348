"""`call_in_child`: answers come back as arrays, failures as exceptions, and a child that dies does not take the
caller with it."""

import signal
import time

import numpy as np
import pytest

import child_functions
from avesformer_hf.demo.uploads import CHILD_PRELOAD
from avesformer_hf.demo.isolated import ChildCrashed, ChildFailed, ChildTimedOut, _receive_array, call_in_child, start_children_server


@pytest.fixture(scope="module", autouse=True)
def children_server():
    start_children_server(preload=[*CHILD_PRELOAD, "child_functions"])  # as the demo does; the first start counts


def test_arrays_and_meta_come_back_as_sent():
    meta, arrays = call_in_child(child_functions.arrays_and_meta, 3, 5)
    expected_meta, expected = child_functions.arrays_and_meta(3, 5)
    assert meta == expected_meta
    assert arrays.keys() == expected.keys()
    for name, array in expected.items():
        assert arrays[name].dtype == array.dtype and np.array_equal(arrays[name], array)


def test_an_exception_in_the_child_comes_back_with_its_kind_and_message():
    with pytest.raises(ChildFailed, match="clip.mp4: not what was expected") as caught:
        call_in_child(child_functions.raise_value_error, "clip.mp4")
    assert caught.value.kind == "ValueError"


@pytest.mark.parametrize(
    "function, exitcode, described",
    [(child_functions.abort, -signal.SIGABRT, "killed by SIGABRT"), (child_functions.exit_three, 3, "exit status 3")],
)
def test_a_child_that_dies_becomes_child_crashed_and_the_next_call_works(function, exitcode, described):
    with pytest.raises(ChildCrashed, match=described) as caught:
        call_in_child(function)
    assert caught.value.exitcode == exitcode
    assert call_in_child(child_functions.arrays_and_meta, 1, 1)[0]["fps"] == 1.0


def test_a_child_that_does_not_answer_in_time_is_stopped():
    with pytest.raises(ChildTimedOut):
        call_in_child(child_functions.sleep_long, timeout_s=1)


@pytest.mark.parametrize("dtype, shape, data", [("|O", [1], b"\0" * 8), ("<f4", [2], b"\0" * 4), ("|u1", [-1], b"")])
def test_arrays_of_objects_or_of_the_wrong_size_are_refused(dtype, shape, data):
    from multiprocessing import Pipe

    receiver, sender = Pipe(duplex=False)
    sender.send_bytes(data)
    with pytest.raises(ValueError, match="the child sent"):
        _receive_array(receiver, time.monotonic() + 30, dtype, shape)
