"""The model zoo: PyTorch modules from LeNet-5 to ResNet (importing this package imports torch).

The blocks (:class:`Inception`, :class:`BasicBlock`, :class:`Bottleneck`) live in
:mod:`convkit.models.blocks`; the networks of chapter 09 are built from them.
"""

from convkit.models.alexnet import AlexNet
from convkit.models.blocks import BasicBlock, Bottleneck, DepthwiseSeparableConv, Inception
from convkit.models.fast import FastCNN
from convkit.models.googlenet import GOOGLENET_INCEPTIONS, GoogLeNet
from convkit.models.lenet import LeNet5, reference_training_seconds
from convkit.models.macs import count_macs
from convkit.models.motion import Motion3DNet, PerFrame2DNet
from convkit.models.naive_inception import NaiveInception
from convkit.models.nin import NiN, nin_block
from convkit.models.resnet import ResNet, resnet18, resnet34, resnet50, small_resnet
from convkit.models.small import SmallCNN
from convkit.models.utils import copy_weights, count_parameters, format_layer_table, layer_table
from convkit.models.vgg import VGG, VGG_ARCHS, vgg_block

__all__ = [
    "LeNet5",
    "reference_training_seconds",
    "AlexNet",
    "vgg_block",
    "VGG",
    "VGG_ARCHS",
    "nin_block",
    "NiN",
    "GoogLeNet",
    "GOOGLENET_INCEPTIONS",
    "ResNet",
    "resnet18",
    "resnet34",
    "resnet50",
    "small_resnet",
    "Inception",
    "NaiveInception",
    "BasicBlock",
    "Bottleneck",
    "DepthwiseSeparableConv",
    "SmallCNN",
    "FastCNN",
    "Motion3DNet",
    "PerFrame2DNet",
    "count_parameters",
    "count_macs",
    "layer_table",
    "format_layer_table",
    "copy_weights",
]
