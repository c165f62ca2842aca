"""Size formulas of dilated kernels: the window a dilated kernel covers, the padding that keeps
the size ("same"). Plain integer arithmetic on layer hyper-parameters (numpy only); checked
against PyTorch in ``tests/test_separable.py``.
"""

from __future__ import annotations

from convkit._validation import positive_int

__all__ = ["effective_kernel_size", "same_padding"]


def effective_kernel_size(kernel_size: int, dilation: int = 1) -> int:
    r"""Side of the window that a dilated kernel covers: :math:`d(k - 1) + 1`.

    A :math:`k`-tap kernel with dilation :math:`d` reads :math:`k` inputs spaced :math:`d` apart,
    so it spans :math:`d(k-1)+1` inputs while keeping :math:`k` weights. In a stride-1 stack of
    such layers the receptive field is :math:`1 + \sum_l d_l (k_l - 1)`.

    Args:
        kernel_size (int): :math:`k`.
        dilation (int): :math:`d`. Default: 1

    Examples::

        >>> effective_kernel_size(3, 1), effective_kernel_size(3, 2), effective_kernel_size(3, 4)
        (3, 5, 9)
    """
    kernel_size = positive_int(kernel_size, "kernel_size")
    dilation = positive_int(dilation, "dilation")
    return dilation * (kernel_size - 1) + 1


def same_padding(kernel_size: int, dilation: int = 1) -> int:
    r"""Zero padding per side that keeps the spatial size of a stride-1 dilated convolution.

    With stride 1 the output size is :math:`H + 2p - d(k-1)`, so it equals :math:`H` when

    .. math::
        p = \frac{d(k-1)}{2}.

    This is a whole number unless :math:`d(k-1)` is odd (an even kernel with an odd dilation);
    then no symmetric padding keeps the size and a ``ValueError`` is raised.

    Args:
        kernel_size (int): :math:`k`.
        dilation (int): :math:`d`. Default: 1

    Examples::

        >>> same_padding(3), same_padding(3, dilation=2), same_padding(5, dilation=3)
        (1, 2, 6)
        >>> same_padding(2)
        Traceback (most recent call last):
        ...
        ValueError: no symmetric padding keeps the size: dilation * (kernel_size - 1) = 1 is odd
    """
    kernel_size = positive_int(kernel_size, "kernel_size")
    dilation = positive_int(dilation, "dilation")
    span = dilation * (kernel_size - 1)
    if span % 2:
        raise ValueError(
            f"no symmetric padding keeps the size: dilation * (kernel_size - 1) = {span} is odd"
        )
    return span // 2
