"""What crosses between the student's kernel and the trusted grading process: values, not objects.

The hidden tests run in a trusted process (:mod:`autograder.trusted`) and call the student's
functions in the student's sandboxed kernel (:mod:`autograder.serve`). Arguments and results cross
as JSON built by :class:`Codec`, never as pickles, so nothing the student's kernel sends can run
code on the trusted side. What the codec carries **by value**:

* ``None``, ``bool``, ``int``, ``float``, ``complex``, ``str``, ``bytes``, ``list``, ``tuple``,
  ``dict``, ``set``, ``frozenset``, ``slice``, ``range``, ``Ellipsis``;
* numpy arrays and scalars (in numpy's own ``.npy`` format, ``allow_pickle=False``), numpy dtypes,
  numpy random generators (their bit generator's state);
* torch tensors and parameters (values, dtype, ``requires_grad``, ``grad``), ``torch.Size``,
  ``torch.dtype``, ``torch.device``;
* torch modules whose class is one of ``torch.nn``'s own (``nn.Linear``, ``nn.Sequential``,
  ``nn.Conv2d``...): the class name, plain attributes, parameters, buffers and children, rebuilt on
  the other side as the same ``torch.nn`` class (the student's own forward code never crosses).

Everything else the student's kernel holds (a function, an instance of a class the student wrote,
a generator) crosses as a **reference** (``{"$": "ref", "id": n}``): the trusted side gets a
:class:`autograder.trusted.Remote` it can call, read attributes of, iterate, index; the object stays
in the student's kernel. The trusted side never sends references to its own objects: what it
cannot send by value is refused with a ``TypeError``.

**Functions, trusted to student only.** A hidden test often passes a function to the student's
(``equivariance_error(conv_circular, x, 2, -3)``, a layer defined in the test cell). Such a
function crosses as *code*: an importable one (``np.zeros_like``, ``torch.relu``, a convkit
function) by its module and name, one defined in a notebook cell as its compiled code object with
the globals it names, its defaults and closure, all encoded the same way; ``functools.partial``
objects and modules by name too. The student's kernel rebuilds and runs it there. Nothing secret
travels: only what the function itself reads, which is an input of the test like any argument. The
other way round a function is always a reference, and the trusted side refuses to decode code.

**Identity.** Tensors, modules and random generators carry a *tag* when they cross. Each side
keeps the objects it has sent or received under their tags, and an object that comes back under a
known tag updates the existing object in place instead of creating a new one: a model the trusted
side passes to the student's ``freeze(model, 2)`` is the same Python object afterwards, with the
student's ``requires_grad`` flags; ``replace_head(net, 3) is net`` holds; a generator passed to the
student's ``random_hflip(x, p, rng)`` has advanced when the call returns. What the trusted side
changes on such an object without passing it back (a tensor changed in place, a module copy put
in eval mode or given another attribute, parameter or child) goes with its next request
(:meth:`Codec.changed_tensors`), so the student's object, which the student's own functions may
use as a global, stays in step with the test's copy.
"""

from __future__ import annotations

import base64
import builtins
import functools
import importlib
import io
import itertools
import json
import marshal
import sys
import types
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["Codec", "WireError", "dumps", "loads"]

#: Random bit generators a numpy ``Generator`` may be rebuilt with.
_BIT_GENERATORS = ("PCG64", "PCG64DXSM", "Philox", "SFC64", "MT19937")
#: The module prefix of the torch classes that cross by value.
_TORCH_NN = "torch.nn.modules."
#: ``__dict__`` entries of a module handled separately or rebuilt by ``nn.Module.__init__``.
_MODULE_SKIP = frozenset(
    {"_parameters", "_buffers", "_modules", "training", "_non_persistent_buffers_set"}
)


class WireError(TypeError):
    """A value that cannot cross (wrong direction, unknown type or a malformed message)."""


def _npy(arr: np.ndarray) -> str:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _from_npy(text: str) -> np.ndarray:
    return np.load(io.BytesIO(base64.b64decode(text)), allow_pickle=False)


def _torch():
    import sys

    return sys.modules.get("torch")


class Codec:
    """Encoder and decoder of one side of the wire.

    Args:
        side: ``"t"`` for the trusted side, ``"s"`` for the student's kernel; tags made here start
            with it.
        make_ref: student side only: called with an object that cannot cross by value, returns its
            reference id. ``None`` (the trusted side): such objects are refused.
        resolve_ref: turns a received reference id into an object (the student's object on the
            student side, a :class:`~autograder.trusted.Remote` on the trusted side).
        ref_of: trusted side only: the reference id of a ``Remote`` being sent back, or ``None``.
        code_filename: student side only: the file name the rebuilt functions' code gets, which
            the kernel guard counts as the instructor's.
    """

    def __init__(
        self,
        side: str,
        *,
        make_ref: Callable[[Any], dict] | None = None,
        resolve_ref: Callable[[dict], Any] | None = None,
        ref_of: Callable[[Any], int | None] | None = None,
        code_filename: str = "<autograder-trusted>",
    ) -> None:
        self.side = side
        self.code_filename = code_filename
        self.make_ref = make_ref
        self.resolve_ref = resolve_ref
        self.ref_of = ref_of
        # weak where the object allows it: a tensor the test dropped is not kept alive here
        self._by_tag: weakref.WeakValueDictionary[str, Any] = weakref.WeakValueDictionary()
        self._strong: dict[str, Any] = {}
        self._tag_of: dict[int, str] = {}
        self._versions: dict[str, int] = {}
        self._held: dict[str, Any] = {}
        self._module_keys: dict[str, tuple] = {}  # trusted side: torch.nn modules received or sent
        self._count = itertools.count(1)

    # -- tags -------------------------------------------------------------------------------
    def tag(self, obj) -> str:
        """The tag of ``obj``, made on first use; the codec keeps ``obj`` alive under it."""
        tag = self._tag_of.get(id(obj))
        if tag is None or self._get(tag) is not obj:
            tag = f"{self.side}{next(self._count)}"
            self._register(tag, obj)
        return tag

    def _get(self, tag: str):
        obj = self._by_tag.get(tag)
        return self._strong.get(tag) if obj is None else obj

    def _register(self, tag: str, obj) -> None:
        try:
            self._by_tag[tag] = obj
        except TypeError:  # not weakly referenceable (a numpy Generator)
            self._strong[tag] = obj
        self._tag_of[id(obj)] = tag

    def changed_tensors(self) -> list[dict]:
        """What crossed under a tag and was changed here since: the updates to send before the
        next request, so both sides agree. Tensors changed in place (their ``_version`` moved),
        and, on the trusted side, ``torch.nn`` modules whose other state changed (``eval()``, an
        attribute such as a dropout's ``p``, a parameter's ``requires_grad``, a replaced
        parameter or child: :func:`_module_key`), sent whole: the student's object is updated
        in place, so a student function that uses it (a global model) sees what the test set."""
        out = []
        for tag, version in list(self._versions.items()):
            t = self._held.get(tag)
            if t is None:
                t = self._by_tag.get(tag)
            if t is None:
                del self._versions[tag]  # gone: nothing to keep in step
            elif t._version != version:
                out.append(self.encode(t))
        for tag in list(self._module_keys):
            m = self._held.get(tag)
            if m is None:
                m = self._by_tag.get(tag)
            if m is None:
                del self._module_keys[tag]
                continue
            now = _module_key(m)
            if now == self._module_keys[tag]:  # (a parent sent just now recorded its children)
                continue
            try:
                out.append(self.encode(m))  # records the new key
            except WireError:  # e.g. a child the test made that only the trusted side knows
                self._module_keys[tag] = now  # cannot cross; not tried again until it changes
        return out

    def _seen(self, tag: str, tensor) -> None:
        self._versions[tag] = tensor._version
        if self.side == "t":
            # held until :meth:`release_held`: `remote.bn2.weight.zero_()` changes a tensor of a
            # temporary copy that is gone before the next request would send the change
            self._held[tag] = tensor

    def release_held(self) -> None:
        """Stop holding the tensors and modules nothing else refers to any more (call it right
        after a request carried the changes): no test can change those again. One still in use
        stays held, so a change made after its last reference is gone still reaches the next
        request (``for conv in (remote.b2, remote.b3): conv.weight.zero_()``,
        ``remote.drop.eval()``)."""
        for tag in list(self._held):
            t = self._held[tag]
            if sys.getrefcount(t) <= 3:  # this dict, `t` and getrefcount's own argument
                del self._held[tag]

    # -- encoding ---------------------------------------------------------------------------
    def encode(self, obj, _depth: int = 0) -> Any:
        """``obj`` as a JSON-ready tree (see the module docstring for what crosses how)."""
        if _depth > 200:
            raise WireError("value nested more than 200 levels deep")
        d = _depth + 1
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if type(obj) is int:
            return obj
        if type(obj) is float:
            return {"$": "float", "v": repr(obj)}
        if isinstance(obj, np.ndarray) and type(obj) is np.ndarray:
            if obj.dtype.hasobject:
                return self._ref(obj, "a numpy array of Python objects")
            return {"$": "nd", "npy": _npy(np.ascontiguousarray(obj))}
        if isinstance(obj, np.generic):
            if obj.dtype.hasobject:
                return self._ref(obj, "a numpy object scalar")
            return {"$": "npscalar", "npy": _npy(np.asarray(obj))}
        if isinstance(obj, np.dtype):
            return {"$": "npdtype", "v": obj.str if obj.names is None else str(obj)}
        if type(obj) is np.random.Generator:
            bg = obj.bit_generator
            if type(bg).__name__ not in _BIT_GENERATORS:
                return self._ref(obj, f"a Generator with bit generator {type(bg).__name__}")
            return {
                "$": "rng",
                "bg": type(bg).__name__,
                "state": self.encode(bg.state, d),
                "tag": self.tag(obj),
            }
        if type(obj) is tuple:
            return {"$": "tuple", "v": [self.encode(v, d) for v in obj]}
        if type(obj) is list:
            return {"$": "list", "v": [self.encode(v, d) for v in obj]}
        if type(obj) is dict:
            return {
                "$": "dict",
                "k": [self.encode(k, d) for k in obj],
                "v": [self.encode(v, d) for v in obj.values()],
            }
        if type(obj) in (set, frozenset):
            return {"$": type(obj).__name__, "v": [self.encode(v, d) for v in obj]}
        if type(obj) is complex:
            return {"$": "complex", "re": repr(obj.real), "im": repr(obj.imag)}
        if type(obj) is bytes:
            return {"$": "bytes", "b64": base64.b64encode(obj).decode("ascii")}
        if type(obj) is slice:
            return {"$": "slice", "v": [self.encode(v, d) for v in (obj.start, obj.stop, obj.step)]}
        if type(obj) is range:
            return {"$": "range", "v": [obj.start, obj.stop, obj.step]}
        if obj is Ellipsis:
            return {"$": "ellipsis"}
        torch = _torch()
        if torch is not None:
            if type(obj) is torch.Size:
                return {"$": "tsize", "v": [int(v) for v in obj]}
            if isinstance(obj, torch.dtype):
                return {"$": "tdtype", "v": str(obj).removeprefix("torch.")}
            if isinstance(obj, torch.device):
                return {"$": "tdevice", "v": str(obj)}
            if type(obj) in (torch.Tensor, torch.nn.Parameter):
                return self._tensor(obj, d)
            if isinstance(obj, torch.nn.Module) and all(
                type(m).__module__.startswith(_TORCH_NN) for m in obj.modules()
            ):
                return self._module(obj, d)
        if self.ref_of is not None:
            ref = self.ref_of(obj)
            if ref is not None:
                return {"$": "ref", "id": ref}
        if self.side == "t":
            code = self._callable(obj, d)
            if code is not None:
                return code
        return self._ref(obj, f"a {type(obj).__module__}.{type(obj).__qualname__}")

    def _ref(self, obj, what: str) -> dict:
        if self.make_ref is None:
            raise WireError(
                f"cannot send {what} to the student's kernel: only values cross "
                "(numbers, strings, containers, numpy arrays, torch tensors and torch.nn modules)"
            )
        return self.make_ref(obj)

    def _tensor(self, t, d: int) -> dict:
        torch = _torch()
        if t.is_sparse or t.is_quantized or t.is_complex() and t.dtype == torch.complex32:
            return self._ref(t, "a sparse or quantized tensor")
        data = t.detach().cpu()
        dtype = str(data.dtype).removeprefix("torch.")
        if data.dtype == torch.bfloat16 or data.dtype == torch.float16:
            data = data.float()
        tag = self.tag(t)
        self._seen(tag, t)
        return {
            "$": "tensor",
            "npy": _npy(data.contiguous().numpy()),
            "dtype": dtype,
            "param": isinstance(t, torch.nn.Parameter),
            "rg": bool(t.requires_grad),
            "grad": (
                {"npy": _npy(t.grad.detach().cpu().numpy())}
                if t.is_leaf and t.grad is not None
                else None
            ),
            "tag": tag,
        }

    def _module(self, m, d: int) -> dict:
        attrs = {}
        for key, value in vars(m).items():
            if key in _MODULE_SKIP or key.startswith("__"):
                continue
            try:
                attrs[key] = self._plain(value, d)
            except WireError:
                continue  # hooks and other callables: not part of what the module computes
        return {
            "$": "module",
            "cls": f"{type(m).__module__}:{type(m).__qualname__}",
            "training": bool(m.training),
            "attrs": attrs,
            "params": {k: self.encode(v, d) for k, v in m._parameters.items()},
            "buffers": {k: self.encode(v, d) for k, v in m._buffers.items()},
            "children": {k: self.encode(v, d) for k, v in m._modules.items()},
            "tag": self._seen_module(m),
        }

    def _seen_module(self, m) -> str:
        """``m``'s tag; on the trusted side, its state (:func:`_module_key`) is recorded to see
        later changes, and ``m`` is held until :meth:`release_held` (as tensors are)."""
        tag = self.tag(m)
        if self.side == "t":
            self._module_keys[tag] = _module_key(m)
            self._held[tag] = m
        return tag

    def _callable(self, obj, d: int) -> dict | None:
        """A trusted function, module or partial as something the student's kernel rebuilds."""
        if isinstance(obj, types.ModuleType):
            if sys.modules.get(obj.__name__) is obj:
                return {"$": "mod", "name": obj.__name__}
            return None
        if type(obj) is functools.partial:
            return {
                "$": "partial",
                "f": self.encode(obj.func, d),
                "a": self.encode(tuple(obj.args), d),
                "k": self.encode(dict(obj.keywords), d),
            }
        named = _importable(obj)
        if named is not None:
            return {"$": "named", "mod": named[0], "name": named[1]}
        if type(obj) is not types.FunctionType:
            return None
        code = obj.__code__
        env: dict[str, Any] = {}
        self_names: list[str] = []
        for name in sorted(_global_names(code)):
            if name not in obj.__globals__:
                continue  # a builtin or an attribute name
            value = obj.__globals__[name]
            if value is obj:
                self_names.append(name)
                continue
            try:
                env[name] = self.encode(value, d)
            except WireError:
                continue  # not needed by the function after all, or it fails there by name
        cells = [c.cell_contents for c in obj.__closure__ or ()]
        return {
            "$": "func",
            "code": base64.b64encode(marshal.dumps(code)).decode("ascii"),
            "name": obj.__name__,
            "globals": env,
            "self": self_names,
            "defaults": self.encode(obj.__defaults__, d),
            "kwdefaults": self.encode(obj.__kwdefaults__, d),
            "closure": self.encode(tuple(cells), d),
        }

    def _decode_code(self, kind: str, tree, d: int):
        """The student side's rebuilding of a trusted function (see :meth:`_callable`)."""
        if self.side != "s":
            raise WireError("code does not cross from the student's kernel, only references")
        if kind == "mod":
            return importlib.import_module(str(tree["name"]))
        if kind == "named":
            module = importlib.import_module(str(tree["mod"]))
            obj: Any = module
            for part in str(tree["name"]).split("."):
                obj = getattr(obj, part)
            return obj
        if kind == "partial":
            return functools.partial(
                self.decode(tree["f"], d), *self.decode(tree["a"], d), **self.decode(tree["k"], d)
            )
        code = _retarget(marshal.loads(base64.b64decode(tree["code"])), self.code_filename)
        env = {"__builtins__": builtins, "__name__": "__autograder_trusted__"}
        env.update({str(k): self.decode(v, d) for k, v in tree["globals"].items()})
        cells = tuple(types.CellType(v) for v in self.decode(tree["closure"], d))
        fn = types.FunctionType(
            code, env, str(tree["name"]), self.decode(tree["defaults"], d), cells or None
        )
        fn.__kwdefaults__ = self.decode(tree["kwdefaults"], d)
        for name in tree["self"]:
            env[str(name)] = fn
        return fn

    def _plain(self, value, d: int):
        """A module attribute: values only, never a reference."""
        saved, self.make_ref = self.make_ref, None
        try:
            return self.encode(value, d)
        finally:
            self.make_ref = saved

    # -- decoding ---------------------------------------------------------------------------
    def decode(self, tree, _depth: int = 0) -> Any:
        """The object a tree made by the other side's :meth:`encode` describes."""
        if _depth > 200:
            raise WireError("message nested more than 200 levels deep")
        d = _depth + 1
        if tree is None or isinstance(tree, (bool, str)):
            return tree
        if type(tree) is int:
            return tree
        if type(tree) is not dict or not isinstance(tree.get("$"), str):
            raise WireError(f"malformed value on the wire: {type(tree).__name__}")
        kind = tree["$"]
        if kind == "float":
            return float(tree["v"])
        if kind == "nd":
            return _from_npy(tree["npy"])
        if kind == "npscalar":
            return _from_npy(tree["npy"])[()]
        if kind == "npdtype":
            return np.dtype(tree["v"])
        if kind == "tuple":
            return tuple(self.decode(v, d) for v in tree["v"])
        if kind == "list":
            return [self.decode(v, d) for v in tree["v"]]
        if kind == "dict":
            return {
                self.decode(k, d): self.decode(v, d)
                for k, v in zip(tree["k"], tree["v"], strict=True)
            }
        if kind in ("set", "frozenset"):
            items = (self.decode(v, d) for v in tree["v"])
            return set(items) if kind == "set" else frozenset(items)
        if kind == "complex":
            return complex(float(tree["re"]), float(tree["im"]))
        if kind == "bytes":
            return base64.b64decode(tree["b64"])
        if kind == "slice":
            return slice(*(self.decode(v, d) for v in tree["v"]))
        if kind == "range":
            return range(*(int(v) for v in tree["v"]))
        if kind == "ellipsis":
            return Ellipsis
        if kind == "rng":
            return self._decode_rng(tree, d)
        if kind in ("func", "named", "mod", "partial"):
            return self._decode_code(kind, tree, d)
        if kind == "ref":
            if self.resolve_ref is None:
                raise WireError("references cannot be received here")
            return self.resolve_ref(tree)
        if kind in ("tsize", "tdtype", "tdevice", "tensor", "module"):
            import torch

            if kind == "tsize":
                return torch.Size(int(v) for v in tree["v"])
            if kind == "tdtype":
                dt = getattr(torch, str(tree["v"]), None)
                if not isinstance(dt, torch.dtype):
                    raise WireError(f"unknown torch dtype {tree['v']!r}")
                return dt
            if kind == "tdevice":
                return torch.device(str(tree["v"]))
            if kind == "tensor":
                return self._decode_tensor(tree)
            return self._decode_module(tree, d)
        raise WireError(f"unknown kind {kind!r} on the wire")

    def _decode_rng(self, tree, d):
        name = tree["bg"]
        if name not in _BIT_GENERATORS:
            raise WireError(f"unknown bit generator {name!r}")
        state = self.decode(tree["state"], d)
        old = self._get(str(tree["tag"]))
        if type(old) is np.random.Generator and type(old.bit_generator).__name__ == name:
            old.bit_generator.state = state
            return old
        bg = getattr(np.random, name)()
        bg.state = state
        rng = np.random.Generator(bg)
        self._register(str(tree["tag"]), rng)
        return rng

    def _decode_tensor(self, tree):
        import torch

        dtype = getattr(torch, str(tree["dtype"]), None)
        if not isinstance(dtype, torch.dtype):
            raise WireError(f"unknown torch dtype {tree['dtype']!r}")
        value = torch.from_numpy(np.array(_from_npy(tree["npy"]))).to(dtype)
        grad = tree.get("grad")
        grad_t = None if grad is None else torch.from_numpy(np.array(_from_npy(grad["npy"])))
        tag = str(tree["tag"])
        old = self._get(tag)
        if isinstance(old, torch.Tensor) and old.is_leaf:
            with torch.no_grad():
                old.data = value
            old.requires_grad_(bool(tree["rg"]) and value.is_floating_point())
            old.grad = None if grad_t is None else grad_t.to(value.dtype)
            self._seen(tag, old)
            return old
        out: torch.Tensor
        if tree.get("param"):
            out = torch.nn.Parameter(value, requires_grad=bool(tree["rg"]))
        else:
            out = value.requires_grad_(bool(tree["rg"]) and value.is_floating_point())
        if grad_t is not None:
            out.grad = grad_t.to(value.dtype)
        self._register(tag, out)
        self._seen(tag, out)
        return out

    def _decode_module(self, tree, d):
        import torch

        mod_name, _, qualname = str(tree["cls"]).partition(":")
        if not mod_name.startswith(_TORCH_NN) or "." in qualname:
            raise WireError(f"only torch.nn's own modules cross by value, not {tree['cls']!r}")
        cls = getattr(importlib.import_module(mod_name), qualname, None)
        if not (isinstance(cls, type) and issubclass(cls, torch.nn.Module)):
            raise WireError(f"{tree['cls']!r} is not a torch.nn module")
        tag = str(tree["tag"])
        old = self._get(tag)
        if type(old) is cls:
            m = old
        else:
            m = cls.__new__(cls)
            torch.nn.Module.__init__(m)
            self._register(tag, m)
        for key, value in tree["attrs"].items():
            if not isinstance(key, str) or key.startswith("__") or key in _MODULE_SKIP:
                raise WireError(f"module attribute {key!r} cannot be set")
            object.__setattr__(m, key, self.decode(value, d))
        m.training = bool(tree["training"])
        for reg, items in (
            (m._parameters, tree["params"]),
            (m._buffers, tree["buffers"]),
            (m._modules, tree["children"]),
        ):
            reg.clear()
            for key, value in items.items():
                reg[str(key)] = self.decode(value, d)
        for key, value in m._modules.items():
            if value is not None and not isinstance(value, torch.nn.Module):
                raise WireError(f"child {key!r} is not a module")
        self._seen_module(m)
        return m


#: Module attribute values compared by value in :func:`_module_key` (others by identity).
_PLAIN = (int, float, bool, str, type(None), tuple)


def _module_key(m) -> tuple:
    """What a module's state is besides its tensors' values, for every module in it: the
    training flag, the parameters, buffers and children (which objects, and whether each
    parameter requires a gradient) and the plain attributes. Two keys differ when a test changed
    any of it (tensors changed in place are followed by their ``_version``)."""
    out = []
    for sub in m.modules():
        attrs = tuple(
            (k, repr(v) if type(v) in _PLAIN else id(v))
            for k, v in vars(sub).items()
            if k not in _MODULE_SKIP and not k.startswith("__")
        )
        out.append(
            (
                id(sub),
                bool(sub.training),
                tuple(
                    (k, id(v), None if v is None else bool(v.requires_grad))
                    for k, v in sub._parameters.items()
                ),
                tuple((k, id(v)) for k, v in sub._buffers.items()),
                tuple((k, id(v)) for k, v in sub._modules.items()),
                attrs,
            )
        )
    return tuple(out)


def _importable(obj) -> tuple[str, str] | None:
    """``(module, name)`` under which ``obj`` (a function, builtin, ufunc or class) is found in an
    already imported module other than ``__main__``, or ``None``."""
    if not callable(obj) or isinstance(obj, functools.partial):
        return None
    module_name = getattr(obj, "__module__", None)
    if not isinstance(module_name, str) or module_name == "__main__":
        return None
    module = sys.modules.get(module_name)
    if module is None:
        return None
    for name in (getattr(obj, "__qualname__", None), getattr(obj, "__name__", None)):
        if not isinstance(name, str) or "<" in name:
            continue
        found: Any = module
        for part in name.split("."):
            found = getattr(found, part, None)
        if found is obj:
            return module_name, name
    return None


def _global_names(code: types.CodeType) -> set[str]:
    """The names ``code`` and the code nested in it (comprehensions, inner functions) read."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _global_names(const)
    return names


def _retarget(code: types.CodeType, filename: str) -> types.CodeType:
    consts = tuple(
        _retarget(c, filename) if isinstance(c, types.CodeType) else c for c in code.co_consts
    )
    return code.replace(co_filename=filename, co_consts=consts)


def dumps(tree) -> str:
    """A tree from :meth:`Codec.encode` as a compact JSON string."""
    return json.dumps(tree, separators=(",", ":"), allow_nan=False)


def loads(text: str):
    """The tree of a JSON string (no NaN/Infinity literals: floats travel as their repr)."""

    def bad_constant(name):
        raise WireError(f"unexpected {name} on the wire")

    return json.loads(text, parse_constant=bad_constant)
