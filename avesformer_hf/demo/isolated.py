"""Run a function that may crash the interpreter (a decoder fed an untrusted file) in a child process.

Children fork from a forkserver that imported the `preload` modules once, so a call costs a fork, not an import.
The answer comes back as JSON plus raw array bytes, never as a pickle: a child subverted by a crafted file must
not be able to run code in the parent. A child that dies becomes `ChildCrashed` and the parent carries on.
"""

import json
import multiprocessing
import signal
import time

import numpy as np

ARRAY_KINDS = "biuf"  # bool, int, unsigned, float: nothing that can hold Python objects


class ChildCrashed(Exception):
    """The child died (killed by a signal or exited) before it answered."""

    def __init__(self, exitcode: int | None):
        self.exitcode = exitcode
        super().__init__(f"the child process ended without an answer ({describe_exit(exitcode)})")


class ChildTimedOut(Exception):
    """The child did not answer within the time allowed; it was killed."""


class ChildFailed(Exception):
    """The function raised in the child: `kind` is the exception's class name, the message is its text."""

    def __init__(self, kind: str, message: str):
        self.kind = kind
        super().__init__(message)


def describe_exit(exitcode: int | None) -> str:
    if exitcode is None:
        return "still running"
    if exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exit status {exitcode}"


def _context():
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    return multiprocessing.get_context(method)


def start_children_server(preload: list[str]) -> None:
    """Start the forkserver now with `preload` (and this module) imported once, so children start in milliseconds.
    Only the first call's `preload` counts: the forkserver is one per process. Without forkserver, nothing to do."""
    context = _context()
    if context.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        context.set_forkserver_preload(list(dict.fromkeys([__name__, *preload])))
        forkserver.ensure_running()


def _answer(sender, function, args) -> None:
    """Child side: call `function(*args)` -> (meta dict, {name: array}) and send it, or the exception raised."""
    try:
        meta, arrays = function(*args)
        arrays = {name: np.ascontiguousarray(array) for name, array in arrays.items()}
        layout = [[name, array.dtype.str, list(array.shape)] for name, array in arrays.items()]
        header = {"ok": True, "meta": meta, "arrays": layout}
    except Exception as error:  # every failure goes back to the parent as text
        sender.send_bytes(json.dumps({"ok": False, "kind": type(error).__name__, "message": str(error)}).encode())
        return
    sender.send_bytes(json.dumps(header).encode())
    for array in arrays.values():
        sender.send_bytes(array.reshape(-1).view(np.uint8))


def _receive(receiver, deadline: float) -> bytes:
    if not receiver.poll(max(0.0, deadline - time.monotonic())):
        raise ChildTimedOut()
    return receiver.recv_bytes()


def _receive_array(receiver, deadline: float, dtype: str, shape: list[int]) -> np.ndarray:
    dtype = np.dtype(dtype)
    if dtype.kind not in ARRAY_KINDS or not all(isinstance(size, int) and size >= 0 for size in shape):
        raise ValueError(f"the child sent an array of dtype {dtype} and shape {shape}")
    data = _receive(receiver, deadline)
    if len(data) != dtype.itemsize * int(np.prod(shape)):
        raise ValueError(f"the child sent {len(data)} bytes for an array of dtype {dtype} and shape {shape}")
    return np.frombuffer(data, dtype=dtype).reshape(shape)


def call_in_child(function, *args, timeout_s: float = 120.0) -> tuple[dict, dict[str, np.ndarray]]:
    """`function(*args)` run in a fresh child process; it must return (JSON-able dict, {name: numeric array}).
    Raises ChildFailed (it raised), ChildCrashed (it died) or ChildTimedOut (killed after `timeout_s`)."""
    start_children_server(preload=[])
    context = _context()
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_answer, args=(sender, function, args), daemon=True)
    child.start()
    sender.close()  # the child holds the only writer now: its death ends the pipe
    deadline = time.monotonic() + timeout_s
    try:
        header = json.loads(_receive(receiver, deadline))
        if not header["ok"]:
            raise ChildFailed(header["kind"], header["message"])
        arrays = {name: _receive_array(receiver, deadline, dtype, shape) for name, dtype, shape in header["arrays"]}
        return header["meta"], arrays
    except (EOFError, ConnectionError):
        child.join(timeout=5)
        raise ChildCrashed(child.exitcode) from None
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()
