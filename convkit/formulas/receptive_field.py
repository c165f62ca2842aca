r"""Receptive fields: computed layer by layer, and measured from input gradients.

For a stack of convolution or pooling layers along one spatial axis, layer
:math:`l` with kernel :math:`k_l`, stride :math:`s_l`, padding :math:`p_l` and
dilation :math:`d_l` updates three numbers (starting from :math:`r_0 = 1`,
:math:`j_0 = 1`, :math:`\text{start}_0 = 0`):

.. math::
    r_l = r_{l-1} + (k_l - 1)\, d_l\, j_{l-1}, \qquad
    j_l = j_{l-1}\, s_l = \prod_{i \le l} s_i, \qquad
    \text{start}_l = \text{start}_{l-1} + \Big(\frac{k_l - 1}{2} d_l - p_l\Big) j_{l-1}

:math:`r_l` is the receptive field (how many input pixels one output unit
sees), :math:`j_l` the jump (how far apart, in input pixels, two neighbouring
units are) and :math:`\text{start}_l` the input coordinate of the centre of the
field of the first unit. Unit :math:`i` of layer :math:`l` sees input pixels
:math:`\text{start}_l + i j_l \pm (r_l - 1)/2`.

:func:`convkit.formulas.measured_field.measure_receptive_field` finds the same field in a real
PyTorch model from the gradient of one output unit with respect to the input; it lives in a module
of its own because chapter 4's assignment hands it out, while this module holds the reference
answers. Importing this module needs numpy alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from convkit._validation import check_int, is_int, nonnegative_int, positive_int

__all__ = [
    "LayerField",
    "receptive_field",
    "previous_stride_recursion",
    "previous_stride_rule_exact",
]

_KEYS = ("kernel_size", "stride", "padding", "dilation")


@dataclass(frozen=True)
class LayerField:
    """Receptive-field bookkeeping after one layer (one spatial axis, input pixel units).

    Attributes:
        size: receptive field :math:`r_l`, in input pixels.
        jump: :math:`j_l`, the product of the strides up to and including this layer.
        start: input coordinate of the centre of the first output unit's field
            (a half-integer when the field has an even size).
        output_size: number of units of this layer along the axis, or ``None``
            if no ``input_size`` was given.
    """

    size: int
    jump: int
    start: float
    output_size: int | None = None

    def window(self, index: int) -> tuple[float, float]:
        """First and last input coordinate (inclusive, unclipped) seen by unit ``index``.

        Examples::

            >>> receptive_field([(3, 2, 1)])[0].window(1)
            (1.0, 3.0)
        """
        centre = self.start + index * self.jump
        half = (self.size - 1) / 2
        return (centre - half, centre + half)


def _parse_layer(i: int, layer) -> tuple[int, int, int, int]:
    if is_int(layer):
        values = {"kernel_size": layer}
    elif isinstance(layer, dict):
        unknown = set(layer) - set(_KEYS)
        if unknown:
            raise ValueError(
                f"layers[{i}] has unknown keys {sorted(unknown)}; expected some of {list(_KEYS)}"
            )
        if "kernel_size" not in layer:
            raise ValueError(f"layers[{i}] needs a 'kernel_size'")
        values = dict(layer)
    elif isinstance(layer, (tuple, list)):
        if not 1 <= len(layer) <= 4:
            raise ValueError(
                f"layers[{i}] must be (kernel_size, stride=1, padding=0, dilation=1), got {layer!r}"
            )
        values = dict(zip(_KEYS, layer, strict=False))
    else:
        raise TypeError(
            f"layers[{i}] must be a dict, a tuple or an int, got {type(layer).__name__}"
        )
    k = values.get("kernel_size")
    s = values.get("stride", 1)
    p = values.get("padding", 0)
    d = values.get("dilation", 1)
    for name, v in zip(_KEYS, (k, s, p, d), strict=False):
        check_int(v, f"layers[{i}] {name}")
    k = positive_int(k, f"layers[{i}] kernel_size")
    s = positive_int(s, f"layers[{i}] stride")
    p = nonnegative_int(p, f"layers[{i}] padding")
    d = positive_int(d, f"layers[{i}] dilation")
    return k, s, p, d


def receptive_field(layers, input_size=None) -> list[LayerField]:
    r"""Receptive field, jump and start of every layer of a stack (one spatial axis).

    Uses the recursion in the module docstring, i.e. the kernel's reach is
    multiplied by the *product of all earlier strides* :math:`j_{l-1}`, not only
    by the previous layer's stride. A pooling layer counts like a convolution with
    the same kernel, stride, padding and dilation.

    Args:
        layers (list): one entry per layer, each a dict with keys ``kernel_size``,
            ``stride`` (default 1), ``padding`` (default 0), ``dilation`` (default 1),
            a tuple ``(kernel_size, stride, padding, dilation)`` (trailing entries
            may be left out) or an int (a kernel size).
        input_size (int, optional): input length; if given, each record also
            holds the layer's output size, computed with the floor rule
            :math:`\lfloor (n + 2p - d(k-1) - 1)/s \rfloor + 1`.

    Returns:
        A list of :class:`LayerField`, one per layer.

    Raises:
        ValueError: a bad entry (the message names ``layers[i]``), or an
            ``input_size`` too small for the stack.

    Examples::

        >>> [f.size for f in receptive_field([(3,), (3,)])]
        [3, 5]
        >>> receptive_field([(3, 2), (3, 2), (3, 1)])[-1]
        LayerField(size=15, jump=4, start=7.0, output_size=None)
        >>> receptive_field([dict(kernel_size=3, padding=1, dilation=2)], input_size=8)[0]
        LayerField(size=5, jump=1, start=1.0, output_size=6)
    """
    if not isinstance(layers, (list, tuple)):
        raise TypeError(f"layers must be a list of layers, got {type(layers).__name__}")
    if input_size is not None:
        input_size = positive_int(input_size, "input_size")
    size, jump, start, n = 1, 1, 0.0, input_size
    records = []
    for i, layer in enumerate(layers):
        k, s, p, d = _parse_layer(i, layer)
        size = size + (k - 1) * d * jump
        start = start + ((k - 1) / 2 * d - p) * jump
        jump = jump * s
        if n is not None:
            n = (n + 2 * p - d * (k - 1) - 1) // s + 1
            if n < 1:
                raise ValueError(
                    f"input_size {input_size} is too small: layers[{i}] would have no output"
                )
        records.append(LayerField(size=size, jump=jump, start=float(start), output_size=n))
    return records


def previous_stride_recursion(layers) -> list[int]:
    r"""Receptive field by the *previous stride only* rule,
    :math:`r_i = r_{i-1} + (k_i - 1)\, s_{i-1}`.

    This is the recursion the *CNN primer* (one of the course's source articles)
    gives, with :math:`r_0 = 1` and :math:`s_0 = 1`. It multiplies the kernel's reach
    by the stride of the previous layer only, instead of by the product of all
    earlier strides (the jump :math:`j_{i-1}`, see :func:`receptive_field`), and it
    ignores padding and dilation. It is kept so that the course can show where it
    is wrong; :func:`previous_stride_rule_exact` says when it is right.

    Args:
        layers (list): as for :func:`receptive_field`.

    Returns:
        A list of ints, the field after each layer by this rule.

    Examples::

        >>> previous_stride_recursion([(3, 2), (3, 1), (3, 1)])
        [3, 7, 9]
        >>> [f.size for f in receptive_field([(3, 2), (3, 1), (3, 1)])]
        [3, 7, 11]
    """
    if not isinstance(layers, (list, tuple)):
        raise TypeError(f"layers must be a list of layers, got {type(layers).__name__}")
    sizes, r, prev_stride = [], 1, 1
    for i, layer in enumerate(layers):
        k, s, _, _ = _parse_layer(i, layer)
        r = r + (k - 1) * prev_stride
        prev_stride = s
        sizes.append(r)
    return sizes


def previous_stride_rule_exact(layers) -> bool:
    r"""Whether :func:`previous_stride_recursion` gives the true field after every layer.

    Layer :math:`i` adds :math:`(k_i - 1) d_i j_{i-1}` to the true field and
    :math:`(k_i - 1) s_{i-1}` by the previous-stride rule. As
    :math:`j_{i-1} = s_{i-1} \prod_{m \le i-2} s_m \ge s_{i-1}` and :math:`d_i \ge 1`,
    no term of the rule is ever too large, so the two agree after every layer
    exactly when each layer with :math:`k_i > 1` has :math:`d_i = 1` and
    :math:`s_1 = \dots = s_{i-2} = 1`: **after a layer with stride above 1, at most
    the next layer may have a kernel larger than 1** (and nothing is dilated).

    Args:
        layers (list): as for :func:`receptive_field`.

    Examples::

        >>> previous_stride_rule_exact([(3, 1), (3, 1), (3, 2), (3, 1)])
        True
        >>> previous_stride_rule_exact([(3, 2), (3, 1), (3, 1)])
        False
        >>> previous_stride_rule_exact([(3, 2), (3, 1), (1, 1)])
        True
    """
    if not isinstance(layers, (list, tuple)):
        raise TypeError(f"layers must be a list of layers, got {type(layers).__name__}")
    parsed = [_parse_layer(i, layer) for i, layer in enumerate(layers)]
    for i, (k, _, _, d) in enumerate(parsed):
        if k > 1 and (d > 1 or any(s > 1 for _, s, _, _ in parsed[: max(i - 1, 0)])):
            return False
    return True
