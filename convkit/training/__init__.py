"""Training code in PyTorch (importing a module of this package imports torch).

:mod:`~convkit.training.train` (``seed_everything``, ``fit``, ``evaluate``),
:mod:`~convkit.training.transfer` (fine-tuning and feature extraction, chapter 12),
:mod:`~convkit.training.fewlabel` (chapter 12's few-label data, training and accuracy helpers),
:mod:`~convkit.training.pretrain` (the cached pretrained LeNet-5 that chapter 12 starts from),
:mod:`~convkit.training.ensemble` (the chapter-10 ensemble),
:mod:`~convkit.training.clips` (training and scoring chapter 7's clip classifiers) and
:mod:`~convkit.training.recipe` (the fast recipe of chapter 10's appendix).
``import convkit.training`` itself loads nothing: import the module you need, e.g.
``from convkit.training import train``.
"""

__all__ = ["train", "transfer", "fewlabel", "pretrain", "ensemble", "recipe", "clips"]
