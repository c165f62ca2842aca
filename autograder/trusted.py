"""The trusted side of two-process grading: hidden tests call the student's code from here.

The class grader runs a notebook's test cells (and copies of its instructor setup cells) in a
separate kernel outside the sandbox; this module is that kernel's link to the student's sandboxed
kernel. :func:`connect` opens the link (the Jupyter messaging protocol, through
``jupyter_client``'s :class:`~jupyter_client.session.Session` over the student kernel's own
sockets). Requests then travel over a zmq PAIR socket that :func:`autograder.serve.loop` answers in
the student's kernel for the length of one test cell (:func:`release` ends it; the kernel's own
message machinery costs milliseconds a round trip, the socket a fraction of one). Before each test
cell the grader calls :func:`bind` with the names the cell uses that
the student defines (``corr2d``, ``Dropout``, ``freeze``...), which puts into the test's namespace

* a value, for data (numbers, arrays, tensors, ``torch.nn`` modules: copies, see
  :mod:`autograder.wire`),
* a :class:`Remote`, for anything else (a function, a class, an instance of the student's class):
  calling it sends the arguments by value to the student's kernel, runs the call there and brings
  the result back by value.

The student's kernel cannot reach this process: it has no network, this kernel listens on
loopback TCP outside the sandbox, and its connection file is in the grader's private folder. What
the hidden tests compare against (the reference implementations, expected values, held-out
labels) lives here only.

Helpers for test cells: :func:`run_in_student` (call an importable helper, e.g. a training loop,
inside the student's kernel on a remote object), :func:`last_cpu_seconds` (CPU time of the last
call, measured in the student's kernel).
"""

from __future__ import annotations

import builtins
import contextlib
import secrets
import sys
import time
from typing import Any

from autograder import rng
from autograder.wire import Codec, WireError, dumps, loads

__all__ = [
    "InputModifiedError",
    "Remote",
    "StudentError",
    "bind",
    "connect",
    "last_cpu_seconds",
    "release",
    "run_in_student",
]


class StudentError(Exception):
    """An exception raised in the student's code of a type that has no trusted counterpart."""


class InputModifiedError(AssertionError):
    """The student's function changed a numpy array it was given, in place."""


_LINK: _Link | None = None


def _link() -> _Link:
    if _LINK is None:
        raise RuntimeError("not connected to the student's kernel (autograder.trusted.connect)")
    return _LINK


class Remote:
    """An object that stays in the student's kernel; operations on it are requests there."""

    __slots__ = ("_ag_id", "_ag_type", "_ag_mro", "_ag_name", "__weakref__")

    def __init__(self, ref: int, type_name: str, mro: list[str], name: str = "") -> None:
        object.__setattr__(self, "_ag_id", ref)
        object.__setattr__(self, "_ag_type", type_name)
        object.__setattr__(self, "_ag_mro", tuple(mro))
        object.__setattr__(self, "_ag_name", name)

    def _target(self) -> dict:
        return {"$": "ref", "id": self._ag_id}

    def __call__(self, *args, **kwargs):
        what = f"student code in {self._ag_name}" if self._ag_name else self._ag_type
        return _link().call(self._target(), args, kwargs, what=what)

    def __getattr__(self, name: str):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return _link().request({"op": "getattr", "target": self._target(), "name": name})

    def __setattr__(self, name: str, value) -> None:
        _link().request(
            {
                "op": "setattr",
                "target": self._target(),
                "name": name,
                "value": _link().codec.encode(value),
            }
        )

    def __getitem__(self, key):
        link = _link()
        return link.request(
            {"op": "getitem", "target": self._target(), "key": link.codec.encode(key)}
        )

    def __setitem__(self, key, value) -> None:
        link = _link()
        link.request(
            {
                "op": "setitem",
                "target": self._target(),
                "key": link.codec.encode(key),
                "value": link.codec.encode(value),
            }
        )

    def __len__(self) -> int:
        return int(_link().request({"op": "len", "target": self._target()}))

    def __iter__(self):
        return iter(_link().request({"op": "iter", "target": self._target()}))

    def __bool__(self) -> bool:
        return bool(_link().request({"op": "bool", "target": self._target()}))

    def __contains__(self, value) -> bool:
        link = _link()
        return bool(
            link.request(
                {"op": "contains", "target": self._target(), "value": link.codec.encode(value)}
            )
        )

    def __repr__(self) -> str:
        try:
            text = _link().request({"op": "repr", "target": self._target()})
        except Exception:
            text = "?"
        return f"{text}"

    def __str__(self) -> str:
        return str(_link().request({"op": "str", "target": self._target()}))

    @property  # type: ignore[misc]  # isinstance(remote, nn.Module) asks for __class__
    def __class__(self):
        """The most specific class of the student's object that exists here (a torch or numpy
        class it derives from, e.g. ``torch.nn.Module``), so ``isinstance`` checks work; else
        :class:`Remote`."""
        for qualified in self._ag_mro:
            module, _, name = qualified.rpartition(".")
            if module.split(".")[0] in ("torch", "numpy") and module in sys.modules:
                cls = getattr(sys.modules[module], name, None)
                if isinstance(cls, type):
                    return cls
        return Remote


class _Link:
    """One connection to the student's kernel: its shell and control sockets, and the PAIR
    socket of the request loop while one runs there."""

    def __init__(self, info: dict) -> None:
        import zmq
        from jupyter_client.session import Session

        self.info = info
        self.ctx = zmq.Context()
        self.session = Session(
            key=str(info["key"]).encode(),
            signature_scheme=info.get("signature_scheme", "hmac-sha256"),
            username="grader",
        )
        self.shell = self._socket(zmq.DEALER, "shell")
        self.control = self._socket(zmq.DEALER, "control")
        self.remotes: dict[int, Remote] = {}
        self.codec = Codec(
            "t",
            resolve_ref=self._remote,
            ref_of=lambda o: o._ag_id if type(o) is Remote else None,
        )
        self.cpu = 0.0
        self.loop: Any = None  # the PAIR socket while a request loop runs in the student's kernel
        self.loop_id = ""  # the msg_id of the execute_request running it
        self.seq = 0
        self.rng_synced: dict | None = None  # the global generators' states both sides share

    def _socket(self, kind, channel: str):
        sock = self.ctx.socket(kind)
        sock.linger = 0
        ip, port = self.info["ip"], self.info[f"{channel}_port"]
        if self.info.get("transport", "tcp") == "ipc":
            sock.connect(f"ipc://{ip}-{port}")
        else:
            sock.connect(f"tcp://{ip}:{port}")
        return sock

    def _remote(self, tree: dict) -> Remote:
        ref = int(tree["id"])
        if ref not in self.remotes:
            self.remotes[ref] = Remote(
                ref,
                str(tree.get("type", "object")),
                list(tree.get("mro", [])),
                str(tree.get("name", "")),
            )
        return self.remotes[ref]

    # -- one request ------------------------------------------------------------------------
    def request(self, req: dict) -> Any:
        """Send ``req`` to :func:`autograder.serve.handle`; the decoded ``ok`` value."""
        return self.codec.decode(self._raw(req)["ok"])

    def call(self, target: dict | str, args, kwargs, *, what: str = "function", op: str = "call"):
        req = {
            "op": op,
            "target": target,
            "args": self.codec.encode(list(args)),
            "kwargs": self.codec.encode(dict(kwargs)),
        }
        torch = sys.modules.get("torch")
        if torch is not None:  # a test's `with torch.no_grad():` holds for the call it makes,
            req["grad_enabled"] = bool(torch.is_grad_enabled())
            req["threads"] = int(torch.get_num_threads())  # and its torch.set_num_threads(1)
        states = rng.global_states()
        if not rng.same(states, self.rng_synced):  # the test drew or seeded since the last call
            req["rng"] = self.codec.encode(states)
        resp = self._raw(req)
        if "rng" in resp:  # the global generators moved on in the student's kernel: here too
            states = self.codec.decode(resp["rng"])
            rng.set_global_states(states)
        self.rng_synced = states
        after = resp.get("after", {})
        for value in after.values():
            self.codec.decode(value)  # tensors, modules and generators: updated in place here
        self.cpu = float(resp.get("cpu", 0.0))
        result = self.codec.decode(resp["ok"])
        changed = resp.get("changed") or []
        if changed:
            raise InputModifiedError(
                f"{what} changed its {', '.join(map(str, changed))} in place "
                "(a numpy array it was given); it must leave its inputs unchanged"
            )
        return result

    def _raw(self, req: dict) -> dict:
        req["sync"] = self.codec.changed_tensors()
        text = self._exchange(dumps(req))
        self.codec.release_held()  # their changes went with this request
        try:
            resp = loads(text)
        except (ValueError, TypeError, WireError):
            resp = None
        if not isinstance(resp, dict) or not ("ok" in resp or "error" in resp):
            raise RuntimeError("the student's kernel sent back something that is not an answer")
        if "error" in resp:
            raise _exception(resp["error"])
        return resp

    # -- the student kernel's request loop --------------------------------------------------
    def open(self) -> None:
        """Check that the student's kernel can answer requests (it imports autograder.serve)."""
        code = "__import__('autograder.serve')"
        msg = self.session.send(
            self.shell,
            "execute_request",
            {"code": code, "silent": True, "store_history": False, "allow_stdin": False},
        )
        reply = self._shell_reply(msg["header"]["msg_id"], 60.0)  # type: ignore[index]
        if not isinstance(reply, dict) or reply.get("status") != "ok":
            why = reply.get("evalue") if isinstance(reply, dict) else "no reply"
            raise RuntimeError(f"the student's kernel could not start answering requests: {why}")

    def _shell_reply(self, msg_id: str, seconds: float) -> dict | None:
        """The content of the shell reply to ``msg_id`` if it comes within ``seconds``."""
        import zmq

        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0 or not self.shell.poll(int(min(left, 1.0) * 1000) + 1):
                if left <= 0:
                    return None
                continue
            while True:
                try:
                    _, m = self.session.recv(self.shell, mode=zmq.NOBLOCK)
                except ValueError:  # not signed with the key: not the kernel's
                    continue
                if m is None:
                    break
                if m["parent_header"].get("msg_id") == msg_id:
                    return m["content"]

    def _start_loop(self) -> None:
        import zmq

        sock = self.ctx.socket(zmq.PAIR)
        sock.linger = 0
        # the student's kernel binds the address only once it runs the loop: until then zmq
        # retries the connection every RECONNECT_IVL, 100 ms by default (a wait in every test
        # cell); every millisecond instead
        sock.reconnect_ivl = 1
        if self.info.get("transport", "tcp") == "ipc":
            # next to the kernel's own sockets, created by the student's kernel (its user can
            # write that folder; this process, the grader, can connect to what it creates)
            address, bind = f"ipc://{self.info['ip']}-serve-{secrets.token_hex(6)}", True
            sock.connect(address)
        else:
            port = sock.bind_to_random_port("tcp://127.0.0.1")
            address, bind = f"tcp://127.0.0.1:{port}", False
        code = f"__import__('autograder.serve', fromlist=['loop']).loop({address!r}, {bind!r})"
        msg = self.session.send(
            self.shell,
            "execute_request",
            {"code": code, "silent": True, "store_history": False, "allow_stdin": False},
        )
        self.loop, self.loop_id = sock, msg["header"]["msg_id"]  # type: ignore[index]

    def _close_loop(self) -> None:
        if self.loop is not None:
            self.loop.close(linger=0)
        self.loop, self.loop_id = None, ""

    def _exchange(self, text: str) -> str:
        """Send one request to the student's request loop (started if none runs); its answer.
        The student's prints during the call are written to this process's stdout and stderr."""
        if self.loop is None:
            self._start_loop()
        self.seq += 1
        tag = str(self.seq).encode()
        self.loop.send_multipart([tag, text.encode()])
        silent_for = 0
        try:
            while True:
                if self.loop.poll(1000):
                    parts = self.loop.recv_multipart()
                    if len(parts) == 4 and parts[0] == tag:
                        for stream, raw in ((sys.stdout, parts[2]), (sys.stderr, parts[3])):
                            if raw:
                                stream.write(bytes(raw).decode("utf-8", errors="replace"))
                                stream.flush()
                        return parts[1].decode("utf-8", errors="replace")
                    continue  # the answer to a request that was interrupted here
                if self._shell_reply(self.loop_id, 0.0) is not None:
                    self._close_loop()
                    raise RuntimeError(
                        "the student's kernel stopped answering (its code ended the grader's "
                        "request loop)"
                    )
                silent_for += 1
                if silent_for >= 10 and not self._alive():
                    raise RuntimeError("the student's kernel died while answering")
        except KeyboardInterrupt:
            self.session.send(self.control, "interrupt_request", {})
            raise

    def release(self, seconds: float = 30.0) -> None:
        """End the request loop (the test cell is over): the student's kernel is free for the
        next cell. A call still running there is interrupted after ``seconds``."""
        if self.loop is None:
            return
        if self.codec.changed_tensors():  # the cell's last in-place changes, before they are lost
            with contextlib.suppress(Exception):  # else the next cell's first request has them
                self._raw({"op": "noop"})
        self.loop.send_multipart([b"stop"])
        if self._shell_reply(self.loop_id, seconds) is None:
            self.session.send(self.control, "interrupt_request", {})
            self._shell_reply(self.loop_id, seconds)
        self._close_loop()

    def _alive(self) -> bool:
        """Whether the student's kernel answers a heartbeat within 15 s (generous: a false "died"
        fails the test cell, and a busy machine can delay the answer)."""
        import zmq

        sock = self._socket(zmq.REQ, "hb")
        try:
            sock.send(b"ping")
            return bool(sock.poll(15000))
        finally:
            sock.close(linger=0)


def _exception(err: dict) -> BaseException:
    name, message = str(err.get("type", "Exception")), str(err.get("message", ""))
    where = str(err.get("where", "")).rstrip()
    text = message + (f"\n\nwhere it happened in the student's code:\n{where}" if where else "")
    if name == "KeyboardInterrupt":
        return KeyboardInterrupt(text)
    base = name if err.get("module") == "builtins" else str(err.get("builtin", ""))
    cls = getattr(builtins, base, None) if base else None
    if isinstance(cls, type) and issubclass(cls, Exception) and cls is not Exception:
        try:
            return cls(text if base == name else f"{name}: {text}")
        except Exception:
            pass
    return StudentError(f"{name}: {text}")


def connect(info: dict | str, names=()) -> None:
    """Open the link to the student's kernel (``info``: its connection info, as JSON or dict).
    ``names``: the names the student's cells define (:class:`autograder.twoprocess.SplitConfig`);
    before every cell the grader runs visibly here (a test cell), those the cell mentions are
    bound (:func:`bind`) by this kernel's ``pre_run_cell`` hook, without a request of the
    grader's."""
    global _LINK, _NAMES
    _NAMES = tuple(str(n) for n in names)
    if isinstance(info, str):
        import json

        info = json.loads(info)
    _LINK = _Link(dict(info))  # type: ignore[arg-type]
    _LINK.open()
    global _HOOKED
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:
        shell = None
    if shell is not None and not _HOOKED:
        shell.events.register("pre_run_cell", _bind_before_cell)
        shell.events.register("post_run_cell", _release_after_cell)
        _HOOKED = True


_HOOKED = False
_NAMES: tuple[str, ...] = ()


def used_names(source: str) -> set[str] | None:
    """Every identifier a cell mentions, or None when it does not parse (IPython magics)."""
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


def _bind_before_cell(info=None) -> None:
    """IPython's ``pre_run_cell`` event in the trusted kernel: bind the student's names that the
    cell about to run uses (see :func:`connect`). A failure is written to this kernel's own
    stderr (the grader's log), not to the cell; the test then misses the names it needed."""
    used = used_names(str(getattr(info, "raw_cell", "") or ""))
    names = [n for n in _NAMES if used is None or n in used]
    if not names:
        return
    try:
        bind(names)
    except Exception as err:
        print(f"autograder.trusted: binding {names} failed: {err}", file=sys.__stderr__)


def _release_after_cell(result=None) -> None:
    """IPython's ``post_run_cell`` event in the trusted kernel: after every cell the grader runs
    visibly here (the test cells; its own requests are silent), end the student kernel's request
    loop before this kernel replies, so the grader need not ask for it in a request of its own."""
    with contextlib.suppress(Exception):
        release()


def release() -> None:
    """End the student kernel's request loop after a test cell (the trusted kernel's
    ``post_run_cell`` hook calls it; the grader, when a test cell did not finish), so that the
    kernel runs the next cell of the notebook."""
    if _LINK is not None:
        _LINK.release()


def bind(names, namespace: dict | None = None) -> None:
    """Put the student's current ``names`` into the test namespace (values or :class:`Remote`);
    a name the student's kernel does not define is removed, so the test fails with NameError."""
    if namespace is None:
        from IPython import get_ipython

        namespace = get_ipython().user_ns
    names = list(dict.fromkeys(names))
    if not names:
        return
    link = _link()
    found = link._raw({"op": "lookup", "names": names})["ok"]
    for name in names:
        tree = found.get(name) if isinstance(found, dict) else None
        if tree is None or (isinstance(tree, dict) and tree.get("$") == "missing"):
            namespace.pop(name, None)
        else:
            namespace[name] = link.codec.decode(tree)


def run_in_student(target: str, *args, **kwargs):
    """Call the importable function ``target`` (``"package.module:function"``) inside the
    student's kernel with these arguments (by value, or :class:`Remote` objects of that kernel),
    e.g. a course helper that trains the student's own ``nn.Module`` subclass there."""
    return _link().call(target, args, kwargs, what=target, op="run")


def last_cpu_seconds() -> float:
    """CPU seconds of the last call into the student's kernel, measured there (process time)."""
    return _link().cpu
