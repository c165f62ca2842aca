"""ResNet (He et al., 2015) built from :class:`~convkit.models.blocks.BasicBlock` and
:class:`~convkit.models.blocks.Bottleneck`, for ImageNet-sized and for 28x28 images."""

from __future__ import annotations

import torch
from torch import nn

from convkit._validation import positive_int
from convkit.models.blocks import BasicBlock, Bottleneck

__all__ = ["ResNet", "resnet18", "resnet34", "resnet50", "small_resnet"]


def _int_tuple(value, name: str) -> tuple[int, ...]:
    if not isinstance(value, (tuple, list)) or not value:
        raise TypeError(f"{name} must be a non-empty tuple of ints, got {value!r}")
    return tuple(positive_int(v, f"{name}[{i}]") for i, v in enumerate(value))


class ResNet(nn.Module):
    r"""A residual network: a stem, stages of residual blocks, global average pooling, a linear
    layer.

    Stage :math:`i` has ``layers[i]`` blocks of width ``widths[i]``. Its first block
    has stride 2 (except in the first stage) and a projection shortcut when the
    shape changes; the others keep the shape and use the identity shortcut.

    * ``stem="imagenet"``: ``Conv2d(C_in, widths[0], 7, stride=2, padding=3, bias=False)``,
      BatchNorm, ReLU, ``MaxPool2d(3, stride=2, padding=1)`` (224x224 becomes 56x56).
    * ``stem="small"``: ``Conv2d(C_in, widths[0], 3, padding=1, bias=False)``, BatchNorm, ReLU
      (no downsampling: for 28x28 digits or 32x32 photos).

    Args:
        block (str): ``"basic"`` (:class:`BasicBlock`, ResNet-18/34) or ``"bottleneck"``
            (:class:`Bottleneck` with ``expansion``, ResNet-50 and deeper). Default: ``"basic"``
        layers (tuple[int]): blocks per stage. Default: ``(2, 2, 2, 2)`` (ResNet-18)
        widths (tuple[int]): width of each stage (for bottlenecks: the 3x3 width; the stage
            outputs ``width * expansion`` channels). Default: ``(64, 128, 256, 512)``
        in_channels (int): input channels. Default: 3
        num_classes (int): outputs. Default: 1000
        stem (str): ``"imagenet"`` or ``"small"``. Default: ``"imagenet"``
        expansion (int): bottleneck expansion factor. Default: 4

    Shape:
        - Input: :math:`(N, C_{in}, H, W)`
        - Output: :math:`(N, \text{num\_classes})`. Each stage after the first halves
          the side: :math:`\lfloor (H - 1)/2 \rfloor + 1`.

    Examples::

        >>> with torch.device("meta"):
        ...     r18, r50 = resnet18(), resnet50()
        >>> sum(p.numel() for p in r18.parameters()), sum(p.numel() for p in r50.parameters())
        (11689512, 25557032)
        >>> small_resnet()(torch.zeros(2, 1, 28, 28)).shape
        torch.Size([2, 10])
    """

    def __init__(
        self,
        block: str = "basic",
        layers=(2, 2, 2, 2),
        widths=(64, 128, 256, 512),
        in_channels: int = 3,
        num_classes: int = 1000,
        stem: str = "imagenet",
        expansion: int = 4,
    ):
        super().__init__()
        if block not in ("basic", "bottleneck"):
            raise ValueError(f"block must be 'basic' or 'bottleneck', got {block!r}")
        if stem not in ("imagenet", "small"):
            raise ValueError(f"stem must be 'imagenet' or 'small', got {stem!r}")
        layers = _int_tuple(layers, "layers")
        widths = _int_tuple(widths, "widths")
        if len(layers) != len(widths):
            raise ValueError(
                f"layers and widths must have the same length, got {len(layers)} and {len(widths)}"
            )
        in_channels = positive_int(in_channels, "in_channels")
        num_classes = positive_int(num_classes, "num_classes")
        expansion = positive_int(expansion, "expansion")
        self.block, self.layers, self.widths = block, layers, widths

        stem_layers = [
            nn.Conv2d(in_channels, widths[0], kernel_size=7 if stem == "imagenet" else 3,
                      stride=2 if stem == "imagenet" else 1,
                      padding=3 if stem == "imagenet" else 1, bias=False),
            nn.BatchNorm2d(widths[0]),
            nn.ReLU(inplace=True),
        ]  # fmt: skip
        if stem == "imagenet":
            stem_layers.append(nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
        self.stem = nn.Sequential(*stem_layers)

        stages, channels = [], widths[0]
        for i, (n_blocks, width) in enumerate(zip(layers, widths, strict=False)):
            blocks = []
            for j in range(n_blocks):
                stride = 2 if (i > 0 and j == 0) else 1
                b: BasicBlock | Bottleneck
                if block == "basic":
                    b = BasicBlock(channels, width, stride=stride)
                else:
                    b = Bottleneck(channels, width, stride=stride, expansion=expansion)
                blocks.append(b)
                channels = b.out_channels
            stages.append(nn.Sequential(*blocks))
        self.stages = nn.Sequential(*stages)
        self.out_channels = channels
        self.head = nn.Sequential(
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, num_classes)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.stages(self.stem(x)))


def resnet18(num_classes: int = 1000, in_channels: int = 3) -> ResNet:
    """ResNet-18: basic blocks, ``layers=(2, 2, 2, 2)``, ImageNet stem (11,689,512 parameters at
    1000 classes)."""
    return ResNet("basic", (2, 2, 2, 2), (64, 128, 256, 512), in_channels, num_classes)


def resnet34(num_classes: int = 1000, in_channels: int = 3) -> ResNet:
    """ResNet-34: basic blocks, ``layers=(3, 4, 6, 3)``, ImageNet stem."""
    return ResNet("basic", (3, 4, 6, 3), (64, 128, 256, 512), in_channels, num_classes)


def resnet50(num_classes: int = 1000, in_channels: int = 3) -> ResNet:
    """ResNet-50: bottleneck blocks, ``layers=(3, 4, 6, 3)``, ImageNet stem (25,557,032
    parameters)."""
    return ResNet("bottleneck", (3, 4, 6, 3), (64, 128, 256, 512), in_channels, num_classes)


def small_resnet(
    num_classes: int = 10,
    in_channels: int = 1,
    widths=(16, 32, 64),
    layers=(2, 2, 2),
    block: str = "basic",
) -> ResNet:
    """A small ResNet for 28x28 digits: 3x3 stem, no max pool, three stages (28 -> 14 -> 7).

    With the defaults: two basic blocks per stage, widths 16, 32, 64 (13 convolutions
    and one linear layer).

    Examples::

        >>> net = small_resnet()
        >>> net(torch.zeros(1, 1, 28, 28)).shape, net.out_channels
        (torch.Size([1, 10]), 64)
    """
    return ResNet(block, layers, widths, in_channels, num_classes, stem="small")
