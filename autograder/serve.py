"""The student's side of two-process grading: answer the trusted process's requests.

Runs inside the student's sandboxed kernel. For each test cell the trusted process
(:mod:`autograder.trusted`) starts :func:`loop` with a silent ``execute_request``; the loop reads
requests from a zmq PAIR socket until the cell is over, and :func:`handle` decodes each
(:class:`autograder.wire.Codec`), looks up a name, calls a function, reads an attribute... and
returns the result encoded as JSON text. Nothing here is trusted: student code can replace this
module, and then only changes what its own answers return, which the trusted side judges as values.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import io
import itertools
import secrets
import sys
import time
import traceback
from typing import Any

import numpy as np

from autograder import rng
from autograder.wire import Codec, WireError, dumps, loads

__all__ = ["handle", "loop"]

_REFS: dict[int, Any] = {}
_REF_OF: dict[int, int] = {}
_COUNT = itertools.count(1)
_MISSING = {"$": "missing"}


def _make_ref(obj) -> dict:
    hid = _REF_OF.get(id(obj))
    if hid is None or _REFS.get(hid) is not obj:
        hid = next(_COUNT)
        _REFS[hid] = obj
        _REF_OF[id(obj)] = hid
    mro = [f"{c.__module__}.{c.__qualname__}" for c in type(obj).__mro__]
    name = getattr(obj, "__qualname__", None) if callable(obj) else None
    out = {"$": "ref", "id": hid, "type": type(obj).__qualname__, "mro": mro}
    if isinstance(name, str):
        out["name"] = name[:200]
    return out


def _resolve(tree: dict):
    try:
        return _REFS[int(tree["id"])]
    except (KeyError, ValueError, TypeError):
        raise WireError(
            f"no object with reference {tree.get('id')!r} in the student's kernel"
        ) from None


#: The file name of the trusted functions rebuilt here (see :mod:`autograder.wire`); the guard
#: counts their frames as the instructor's. Random, so that student code cannot name it in advance.
CODE_FILENAME = f"<autograder-trusted-{secrets.token_hex(8)}>"
_CODEC = Codec("s", make_ref=_make_ref, resolve_ref=_resolve, code_filename=CODE_FILENAME)


def _namespace() -> dict:
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        raise RuntimeError("no IPython shell")
    return shell.user_ns


def _mutable(value) -> bool:
    torch = sys.modules.get("torch")
    if type(value) is np.random.Generator:
        return True
    return torch is not None and isinstance(value, (torch.Tensor, torch.nn.Module))


def _call(fn, args: list, kwargs: dict, req: dict) -> dict:
    """Call ``fn`` with numpy's and torch's global generators in the trusted side's state (sent
    when it changed since the last call); their new state goes back when the call moved them."""
    if "rng" in req:
        rng.set_global_states(_CODEC.decode(req["rng"]))
    before = rng.global_states()
    grad_enabled = req.get("grad_enabled")
    threads = req.get("threads")
    torch = sys.modules.get("torch")
    if grad_enabled is None or torch is None:
        out = _call_as_is(fn, args, kwargs)
    else:
        saved = torch.get_num_threads()
        if type(threads) is int and threads > 0:
            torch.set_num_threads(threads)
        try:
            with torch.set_grad_enabled(bool(grad_enabled)):
                out = _call_as_is(fn, args, kwargs)
        finally:
            if torch.get_num_threads() != saved:
                torch.set_num_threads(saved)
    after = rng.global_states()
    if not rng.same(before, after):
        out["rng"] = _CODEC.encode(after)
    return out


def _parameter_names(fn, n: int) -> list[str]:
    """The names of ``fn``'s first ``n`` positional parameters (``"1"``, ``"2"``... where its
    signature does not say), for messages such as "changed its argument x in place"."""
    try:
        params = [
            p.name
            for p in inspect.signature(fn).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        params = []
    return [params[i] if i < len(params) else str(i + 1) for i in range(n)]


def _call_as_is(fn, args: list, kwargs: dict) -> dict:
    names = _parameter_names(fn, len(args))
    arrays = [
        (where, v, v.copy())
        for where, v in [(f"argument {names[i]}", a) for i, a in enumerate(args)]
        + [(f"argument {k}", v) for k, v in kwargs.items()]
        if type(v) is np.ndarray
    ]
    start = time.process_time()
    result = fn(*args, **kwargs)
    cpu = time.process_time() - start
    changed = [
        where
        for where, v, before in arrays
        if v.shape != before.shape or not np.array_equal(v, before, equal_nan=True)
    ]
    after = {str(i): _CODEC.encode(a) for i, a in enumerate(args) if _mutable(a)} | {
        k: _CODEC.encode(v) for k, v in kwargs.items() if _mutable(v)
    }
    return {"ok": _CODEC.encode(result), "cpu": cpu, "changed": changed, "after": after}


def _dispatch(req: dict) -> dict:
    op = req.get("op")
    if op == "lookup":
        ns = _namespace()
        return {"ok": {n: (_CODEC.encode(ns[n]) if n in ns else _MISSING) for n in req["names"]}}
    if op == "run":
        module, _, name = str(req["target"]).partition(":")
        fn = getattr(importlib.import_module(module), name)
        return _call(fn, _CODEC.decode(req["args"]), _CODEC.decode(req["kwargs"]), req)
    target = _CODEC.decode(req["target"])
    if op == "call":
        return _call(target, _CODEC.decode(req["args"]), _CODEC.decode(req["kwargs"]), req)
    if op == "getattr":
        return {"ok": _CODEC.encode(getattr(target, str(req["name"])))}
    if op == "setattr":
        setattr(target, str(req["name"]), _CODEC.decode(req["value"]))
        return {"ok": None}
    if op == "getitem":
        return {"ok": _CODEC.encode(target[_CODEC.decode(req["key"])])}
    if op == "setitem":
        target[_CODEC.decode(req["key"])] = _CODEC.decode(req["value"])
        return {"ok": None}
    if op == "noop":  # only the tensor updates it carries
        return {"ok": None}
    if op == "len":
        return {"ok": len(target)}
    if op == "iter":
        return {"ok": _CODEC.encode(list(target))}
    if op == "bool":
        return {"ok": bool(target)}
    if op == "contains":
        return {"ok": bool(_CODEC.decode(req["value"]) in target)}
    if op in ("repr", "str"):
        return {"ok": (repr if op == "repr" else str)(target)[:10_000]}
    raise WireError(f"unknown request {op!r}")


def _error(err: BaseException) -> dict:
    frames = [
        f
        for f in traceback.extract_tb(err.__traceback__)
        if not f.filename.endswith(("autograder/serve.py", "autograder/wire.py"))
    ]
    return {
        "error": {
            "type": type(err).__name__,
            "module": type(err).__module__,
            # the nearest built-in class (numpy's _ArrayMemoryError is a MemoryError)
            "builtin": next(
                (c.__name__ for c in type(err).__mro__ if c.__module__ == "builtins"), ""
            ),
            "message": str(err)[:4000],
            "where": "".join(traceback.format_list(frames[-8:]))[-4000:],
        }
    }


#: Most characters of a call's printed output sent back with its answer.
MAX_OUTPUT = 100_000


def loop(address: str, bind: bool, idle_seconds: float = 900.0) -> None:
    """Answer requests on a zmq PAIR socket at ``address`` until the trusted process sends
    ``stop`` (the end of a test cell) or nothing comes for ``idle_seconds``: one round trip costs
    a socket message each way instead of the kernel's message machinery.

    Each request is ``[id, json]``; the answer ``[id, json, stdout, stderr]``: what the student's
    code printed during the call comes back on the same stream of the test's output (stderr, and
    warnings, are then noted in the grades, never scored: :class:`autograder.preprocessors.
    StderrToStdout`).
    ``bind``: bind the address (an ``ipc://`` path in the folder of the kernel's own sockets, which
    only this kernel's user can create files in) instead of connecting to it.
    """
    import zmq

    ctx: zmq.Context = zmq.Context.instance()
    sock = ctx.socket(zmq.PAIR)
    sock.linger = 0
    if bind:
        sock.bind(address)
    else:
        sock.connect(address)
    try:
        idle = 0.0
        while idle < idle_seconds:
            if not sock.poll(1000):
                idle += 1.0
                continue
            idle = 0.0
            parts = sock.recv_multipart()
            if parts[:1] == [b"stop"]:
                return
            if len(parts) != 2:
                continue
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                answer = handle(parts[1].decode("utf-8", errors="replace"))
            sock.send_multipart(
                [
                    parts[0],
                    answer.encode(),
                    out.getvalue()[:MAX_OUTPUT].encode(errors="replace"),
                    err.getvalue()[:MAX_OUTPUT].encode(errors="replace"),
                ]
            )
    finally:
        sock.close(linger=0)


def handle(request: str) -> str:
    """Answer one request of the trusted process (JSON text in, JSON text out)."""
    guard = getattr(sys.modules.get("autograder.guard"), "_GUARD", None)
    if guard is not None:
        guard.arm()  # a forbidden call unsets the profiler hook; silent requests do not re-arm it
        guard.trust_file(CODE_FILENAME)
    try:
        req = loads(request)
        for update in req.get("sync", []):
            _CODEC.decode(update)
        resp = _dispatch(req)
        return dumps(resp)
    except BaseException as err:  # everything goes back as a value, KeyboardInterrupt included
        try:
            return dumps(_error(err))
        except Exception:
            return dumps(
                {
                    "error": {
                        "type": "RuntimeError",
                        "module": "builtins",
                        "message": "the error could not be sent",
                        "where": "",
                    }
                }
            )
