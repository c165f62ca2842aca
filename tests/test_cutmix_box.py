"""CutMix box sides: chapter 10's text, convkit.transforms.cutmix_box and exercise 10 say the same.

Before clipping the box spans c_y - c_H // 2 .. c_y + c_H // 2 (end excluded), so its sides are
2 * (c_H // 2), with c_H = floor(H * sqrt(1 - lam)), as in the reference implementation of
Yun et al. (2019); for odd c_H that is one less than c_H (issue 12, item 7).
"""

import math

import numpy as np
import pytest

from convkit import transforms as T


@pytest.mark.parametrize("H,W", [(28, 28), (16, 12), (31, 33), (32, 32)])
@pytest.mark.parametrize("lam", [0.1, 0.3, 0.5, 0.75, 0.9])
def test_unclipped_box_sides_are_even_floor(H, W, lam):
    c_h, c_w = int(H * math.sqrt(1 - lam)), int(W * math.sqrt(1 - lam))
    rng = np.random.default_rng(0)
    boxes = [T.cutmix_box(H, W, lam, rng) for _ in range(3000)]
    # a box whose centre lies far enough from every border is not clipped
    inside = [b for b in boxes if b[0] > 0 and b[1] > 0 and b[0] + b[2] < H and b[1] + b[3] < W]
    assert inside, "no unclipped box drawn"
    assert {b[2] for b in inside} == {2 * (c_h // 2)}
    assert {b[3] for b in inside} == {2 * (c_w // 2)}
    # every box, clipped or not, is at most that large
    assert max(b[2] for b in boxes) == 2 * (c_h // 2) and max(b[3] for b in boxes) == 2 * (c_w // 2)


def test_odd_floor_loses_one_row():
    # the chapter's example: H = 28, lambda_0 = 0.5 gives c_H = 19 and a box 18 rows high
    assert int(28 * math.sqrt(0.5)) == 19
    assert max(T.cutmix_box(28, 28, 0.5, s)[2] for s in range(200)) == 18


def test_exercise_text_states_even_sides():
    import json
    from pathlib import Path

    nb = Path(__file__).resolve().parents[1] / "solutions/10-data-augmentation/10-data-augmentation.ipynb"
    text = "".join("".join(c["source"]) for c in json.loads(nb.read_text())["cells"])
    assert "2 * (cut_h // 2)" in text
