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

**Identity.** Tensors, modules and random generators carry a *tag* when they cross. Each side
keeps the objects it has sent or received under their tags, and an object that comes back under a
known tag updates the existing object in place instead of creating a new one: a model the trusted
side passes to the student's ``freeze(model, 2)`` is the same Python object afterwards, with the
student's ``requires_grad`` flags; ``replace_head(net, 3) is net`` holds; a generator passed to the
student's ``random_hflip(x, p, rng)`` has advanced when the call returns.
"""

from __future__ import annotations

import base64
import importlib
import io
import itertools
import json
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
    """

    def __init__(
        self,
        side: str,
        *,
        make_ref: Callable[[Any], dict] | None = None,
        resolve_ref: Callable[[dict], Any] | None = None,
        ref_of: Callable[[Any], int | None] | None = None,
    ) -> None:
        self.side = side
        self.make_ref = make_ref
        self.resolve_ref = resolve_ref
        self.ref_of = ref_of
        self._by_tag: dict[str, Any] = {}
        self._tag_of: dict[int, str] = {}
        self._versions: dict[str, int] = {}
        self._count = itertools.count(1)

    # -- tags -------------------------------------------------------------------------------
    def tag(self, obj) -> str:
        """The tag of ``obj``, made on first use; the codec keeps ``obj`` alive under it."""
        tag = self._tag_of.get(id(obj))
        if tag is None or self._by_tag.get(tag) is not obj:
            tag = f"{self.side}{next(self._count)}"
            self._tag_of[id(obj)] = tag
            self._by_tag[tag] = obj
        return tag

    def _register(self, tag: str, obj) -> None:
        self._by_tag[tag] = obj
        self._tag_of[id(obj)] = tag

    def changed_tensors(self) -> list[dict]:
        """Tensors received under a tag and changed here in place since (their ``_version``
        moved): the updates to send before the next request, so both sides agree."""
        out = []
        for tag, version in list(self._versions.items()):
            t = self._by_tag.get(tag)
            if t is not None and t._version != version:
                out.append(self.encode(t))
        return out

    def _seen(self, tag: str, tensor) -> None:
        self._versions[tag] = tensor._version

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
            "tag": self.tag(m),
        }

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
        old = self._by_tag.get(tree["tag"])
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
        old = self._by_tag.get(tag)
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
        old = self._by_tag.get(tag)
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
        return m


def dumps(tree) -> str:
    """A tree from :meth:`Codec.encode` as a compact JSON string."""
    return json.dumps(tree, separators=(",", ":"), allow_nan=False)


def loads(text: str):
    """The tree of a JSON string (no NaN/Infinity literals: floats travel as their repr)."""

    def bad_constant(name):
        raise WireError(f"unexpected {name} on the wire")

    return json.loads(text, parse_constant=bad_constant)
