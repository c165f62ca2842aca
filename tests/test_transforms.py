"""convkit.transforms: seeded statistical tests of the random transforms, and PyTorch where it has the same thing.

The statistical tests draw a few thousand times from a seeded generator and compare a rate or a
distribution with what the sampling rule implies; the bounds are several standard errors wide, and
where a plausible wrong rule exists the test also shows that the same check would reject it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy import stats

from convkit import transforms as T
from convkit.data import load_photo, mnist_split

RNG = np.random.default_rng(1234)


def photo_chw() -> np.ndarray:
    return load_photo("chelsea").transpose(2, 0, 1).astype(np.float64)


def binomial_ok(hits: int, n: int, p: float, sigmas: float = 5.0) -> bool:
    return abs(hits - n * p) <= sigmas * math.sqrt(n * p * (1 - p)) + 1


# ---------------------------------------------------------------------------------------------
# normalisation and whitening


@pytest.mark.parametrize("channels", [1, 2, 3, 5])
def test_normalize_equals_torch_batch_norm_in_eval_mode(channels):
    x = RNG.normal(size=(4, channels, 6, 7))
    mean, std = RNG.normal(size=channels), RNG.uniform(0.1, 3.0, size=channels)
    ours = T.Normalize(mean, std)(x)
    ref = F.batch_norm(torch.from_numpy(x), torch.from_numpy(mean), torch.from_numpy(std**2), training=False, eps=0.0)
    np.testing.assert_allclose(ours, ref.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(T.Normalize(mean, std).inverse(ours), x, rtol=1e-12, atol=1e-12)


def test_normalize_with_training_statistics_gives_mean_zero_std_one():
    images = mnist_split("train")[0][:500, None].astype(np.float64)
    mean, std = T.channel_stats(images)
    out = T.Normalize(mean, std)(images)
    assert abs(out.mean()) < 1e-10 and abs(out.std() - 1) < 1e-10
    colour = photo_chw()[None]
    m3, s3 = T.channel_stats(colour)
    np.testing.assert_allclose(m3, colour.mean(axis=(0, 2, 3)))
    out3 = T.Normalize(m3, s3)(colour[0])
    np.testing.assert_allclose(out3.mean(axis=(1, 2)), 0, atol=1e-10)
    np.testing.assert_allclose(out3.std(axis=(1, 2)), 1, atol=1e-10)


def test_normalize_keeps_tensor_type_and_rejects_bad_arguments():
    t = torch.rand(3, 4, 4)
    out = T.Normalize([0.5, 0.5, 0.5], [0.25, 0.5, 1.0])(t)
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float32
    torch.testing.assert_close(out, (t - 0.5) / torch.tensor([0.25, 0.5, 1.0])[:, None, None])
    with pytest.raises(ValueError, match="std"):
        T.Normalize([0.0], [0.0])
    with pytest.raises(ValueError, match="mean has 2 values but the image has 3 channels"):
        T.Normalize([0.0, 0.0], [1.0, 1.0])(np.zeros((3, 2, 2)))
    with pytest.raises(TypeError, match="img"):
        T.Normalize(0.0, 1.0)([[1.0]])


def test_per_image_standardize():
    x = RNG.uniform(size=(5, 3, 8, 8)) * RNG.uniform(0.1, 10, size=(5, 1, 1, 1))
    out = T.PerImageStandardize()(x)
    np.testing.assert_allclose(out.mean(axis=(1, 2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=(1, 2, 3)), 1, atol=1e-12)
    np.testing.assert_allclose(T.PerImageStandardize()(x[2]), out[2])
    flat = T.PerImageStandardize()(np.full((1, 4, 4), 7.0))
    assert np.all(flat == 0)  # the floor 1/sqrt(n) avoids 0/0


def test_zca_whitening_decorrelates_and_is_symmetric():
    digits = mnist_split("train")[0][:2000, None, 6:22, 6:22].astype(np.float64)  # 256 pixels
    zca = T.ZCAWhitening(eps=1e-6).fit(digits)
    np.testing.assert_allclose(zca.matrix_, zca.matrix_.T, atol=1e-10)
    z = zca(digits).reshape(len(digits), -1)
    cov = np.cov(z, rowvar=False, bias=True)
    active = np.diag(np.cov(digits.reshape(len(digits), -1), rowvar=False)) > 1e-3
    sub = cov[np.ix_(active, active)]
    assert np.abs(sub - np.eye(len(sub))).max() < 0.05
    with pytest.raises(RuntimeError):
        T.ZCAWhitening()(digits[0])
    with pytest.raises(ValueError, match="eps"):
        T.ZCAWhitening(eps=-1)


# ---------------------------------------------------------------------------------------------
# flips


def test_flip_equals_torch_flip_and_rate_is_p():
    x = RNG.normal(size=(3, 5, 7))
    np.testing.assert_array_equal(T.hflip(x), torch.flip(torch.from_numpy(x), dims=[-1]).numpy())
    np.testing.assert_array_equal(T.RandomHorizontalFlip(1.0, rng=0)(x), x[..., ::-1])
    np.testing.assert_array_equal(T.RandomHorizontalFlip(0.0, rng=0)(x), x)
    for p in (0.1, 0.5, 0.8):
        flip = T.RandomHorizontalFlip(p, rng=7)
        hits = sum(bool(np.array_equal(flip(x), x[..., ::-1])) for _ in range(3000))
        assert binomial_ok(hits, 3000, p), (p, hits)
        assert not binomial_ok(hits, 3000, 1 - p) or p == 0.5  # the rate would catch "flip with 1 - p"


def test_flip_determinism_and_tensors():
    x = torch.rand(2, 4, 4)
    a = [T.RandomHorizontalFlip(0.5, rng=3)(x) for _ in range(1)]
    f1, f2 = T.RandomHorizontalFlip(0.5, rng=3), T.RandomHorizontalFlip(0.5, rng=3)
    for _ in range(20):
        o1, o2 = f1(x), f2(x)
        assert isinstance(o1, torch.Tensor) and torch.equal(o1, o2)
    assert a[0].dtype == torch.float32
    with pytest.raises(ValueError, match="p"):
        T.RandomHorizontalFlip(1.5)
    with pytest.raises(TypeError, match="p"):
        T.RandomHorizontalFlip(True)
    with pytest.raises(TypeError, match="rng"):
        T.RandomHorizontalFlip(0.5, rng="seed")


# ---------------------------------------------------------------------------------------------
# crops


def _crop_draws(H, W, scale, ratio, n, seed):
    rng = np.random.default_rng(seed)
    return np.array([T.random_resized_crop_params(H, W, scale, ratio, rng) for _ in range(n)])


@pytest.mark.parametrize("H, W", [(200, 300), (300, 200), (256, 256)])
def test_random_resized_crop_box_area_and_ratio_in_range(H, W):
    scale, ratio = (0.08, 1.0), (3 / 4, 4 / 3)
    boxes = _crop_draws(H, W, scale, ratio, 3000, seed=H + W)
    top, left, h, w = boxes.T
    assert np.all(top >= 0) and np.all(left >= 0) and np.all(top + h <= H) and np.all(left + w <= W)
    # rounding h and w moves the area by at most (h + w) / 2 + 1/4 pixels and the ratio by a little
    area_tol = (0.5 * (h + w) + 0.25) / (H * W)
    frac = h * w / (H * W)
    assert np.all(frac >= scale[0] - area_tol) and np.all(frac <= scale[1] + area_tol)
    r = w / h
    assert np.all(r >= ratio[0] * (1 - 1.0 / h) - 1e-12) and np.all(r <= ratio[1] * (1 + 1.0 / w) + 1e-12)
    # the whole ranges are used, up to the largest box of an allowed ratio that fits in the image
    largest = min(H, W / ratio[0]) * min(W, min(H, W / ratio[0]) * ratio[1]) / (H * W)
    assert frac.min() < 0.1 and frac.max() > largest - 0.03 and r.min() < 0.77 and r.max() > 1.3


def test_random_resized_crop_ratio_is_log_uniform_and_area_uniform():
    # on a large square image with small areas every first attempt fits, so the draws are the raw ones
    boxes = _crop_draws(2000, 2000, (0.1, 0.2), (1 / 3, 3.0), 4000, seed=5)
    h, w = boxes[:, 2], boxes[:, 3]
    log_r = np.log(w / h)
    lo, hi = math.log(1 / 3), math.log(3.0)
    assert stats.kstest(log_r, stats.uniform(lo, hi - lo).cdf).pvalue > 1e-3
    # the same test rejects a ratio drawn uniformly (not log-uniformly) in [1/3, 3]
    wrong = np.log(np.random.default_rng(0).uniform(1 / 3, 3.0, size=4000))
    assert stats.kstest(wrong, stats.uniform(lo, hi - lo).cdf).pvalue < 1e-6
    frac = h * w / 2000**2
    assert stats.kstest(frac, stats.uniform(0.1, 0.1).cdf).pvalue > 1e-3
    # the top-left corner is uniform over the free room
    top, left = boxes[:, 0] / (2000 - h), boxes[:, 1] / (2000 - w)
    assert stats.kstest(top, "uniform").pvalue > 1e-3 and stats.kstest(left, "uniform").pvalue > 1e-3


def test_random_resized_crop_centre_fallback():
    # a 10 x 100 strip cannot hold 90% of its area in a box of ratio <= 4/3: centre crop, ratio clipped
    assert T.random_resized_crop_params(10, 100, (0.9, 1.0), (3 / 4, 4 / 3), rng=0) == (0, 43, 10, 13)
    assert T.random_resized_crop_params(100, 10, (0.9, 1.0), (3 / 4, 4 / 3), rng=0) == (43, 0, 13, 10)
    # a square image with an impossible area keeps the whole image
    assert T.random_resized_crop_params(20, 20, (1.5, 2.0), (3 / 4, 4 / 3), rng=0) == (0, 0, 20, 20)


@pytest.mark.parametrize("size", [(8, 8), (13, 21), (40, 30)])
def test_resized_crop_equals_slicing_then_torch_bilinear(size):
    x = photo_chw()[:, :120, :160]
    t = T.RandomResizedCrop(size, rng=11)
    for _ in range(5):
        out = t(x)
        top, left, h, w = t.last_params
        ref = F.interpolate(torch.from_numpy(x[None, :, top : top + h, left : left + w].copy()), size=size,
                            mode="bilinear", align_corners=False)[0]  # fmt: skip
        np.testing.assert_allclose(out, ref.numpy(), rtol=1e-12, atol=1e-12)


def test_center_crop_geometry():
    x = np.arange(7 * 10, dtype=float).reshape(1, 7, 10)
    for h in range(1, 8):
        for w in range(1, 11):
            out = T.CenterCrop((h, w))(x)
            top, left = (7 - h) // 2, (10 - w) // 2
            np.testing.assert_array_equal(out, x[:, top : top + h, left : left + w])
            # centred: the margins differ by at most one pixel, the extra one at the bottom/right
            assert 0 <= (7 - h - top) - top <= 1 and 0 <= (10 - w - left) - left <= 1
    assert T.center_crop(torch.zeros(3, 9, 9), 5).shape == (3, 5, 5)
    with pytest.raises(ValueError, match="size"):
        T.center_crop(x, 8)
    with pytest.raises(TypeError, match="size"):
        T.CenterCrop(2.5)
    with pytest.raises(ValueError, match="box"):
        T.crop(x, 5, 0, 3, 3)


def test_crop_argument_errors():
    with pytest.raises(ValueError, match="scale"):
        T.RandomResizedCrop(8, scale=(0.9, 0.1))
    with pytest.raises(ValueError, match="ratio"):
        T.random_resized_crop_params(10, 10, ratio=(0.0, 1.0))
    with pytest.raises(TypeError, match="scale"):
        T.RandomResizedCrop(8, scale=0.5)
    with pytest.raises(ValueError, match="size"):
        T.RandomResizedCrop(0)


# ---------------------------------------------------------------------------------------------
# colour


def test_hsv_conversion_matches_skimage_and_round_trips():
    from skimage.color import hsv2rgb, rgb2hsv

    img = photo_chw()[:, ::4, ::4]
    ours = T.rgb_to_hsv(img)
    ref = rgb2hsv(img.transpose(1, 2, 0)).transpose(2, 0, 1)
    np.testing.assert_allclose(ours, ref, atol=1e-12)
    np.testing.assert_allclose(T.hsv_to_rgb(ours), img, atol=1e-12)
    np.testing.assert_allclose(T.hsv_to_rgb(ref), hsv2rgb(ref.transpose(1, 2, 0)).transpose(2, 0, 1), atol=1e-12)
    rand = RNG.uniform(size=(2, 3, 9, 9))
    np.testing.assert_allclose(T.hsv_to_rgb(T.rgb_to_hsv(rand)), rand, atol=1e-12)


def test_colour_adjustments():
    img = photo_chw()[:, ::4, ::4]
    grey = T.rgb_to_grayscale(img)
    np.testing.assert_allclose(grey[0], 0.299 * img[0] + 0.587 * img[1] + 0.114 * img[2])
    for fn, neutral in ((T.adjust_brightness, 1.0), (T.adjust_contrast, 1.0), (T.adjust_saturation, 1.0), (T.adjust_hue, 0.0)):
        np.testing.assert_allclose(fn(img, neutral), img, atol=1e-12)
    np.testing.assert_allclose(T.adjust_brightness(img, 1.7), np.clip(1.7 * img, 0, 1))
    np.testing.assert_allclose(T.adjust_saturation(img, 0.0), np.repeat(grey, 3, axis=0), atol=1e-12)
    np.testing.assert_allclose(T.adjust_contrast(img, 0.0), np.full_like(img, grey.mean()), atol=1e-12)
    # a hue shift keeps saturation and value, and half a turn twice is the identity
    h = T.adjust_hue(img, 0.25)
    np.testing.assert_allclose(T.rgb_to_hsv(h)[1:], T.rgb_to_hsv(img)[1:], atol=1e-12)
    np.testing.assert_allclose(T.adjust_hue(T.adjust_hue(img, 0.5), 0.5), img, atol=1e-12)
    with pytest.raises(ValueError, match="shift"):
        T.adjust_hue(img, 0.7)
    with pytest.raises(ValueError, match="RGB"):
        T.adjust_saturation(np.zeros((1, 4, 4)), 0.5)
    with pytest.raises(ValueError, match="factor"):
        T.adjust_brightness(img, -1)


def test_color_jitter_keeps_range_draws_in_range_and_repeats_under_a_seed():
    img = photo_chw()[:, ::8, ::8]
    jitter = T.ColorJitter(brightness=0.8, contrast=0.8, saturation=0.8, hue=0.3, rng=2)
    outs = [jitter(img) for _ in range(200)]
    assert all(o.min() >= 0 and o.max() <= 1 and o.shape == img.shape for o in outs)
    assert np.std([o.mean() for o in outs]) > 0.02  # it does change the images
    again = T.ColorJitter(brightness=0.8, contrast=0.8, saturation=0.8, hue=0.3, rng=2)
    assert all(np.array_equal(o, again(img)) for o in outs)
    rng = np.random.default_rng(0)
    params = [T.ColorJitter.get_params((0.2, 1.8), (0.5, 1.5), None, (-0.3, 0.3), rng) for _ in range(2000)]
    b = np.array([p[1] for p in params]); hue = np.array([p[4] for p in params])
    assert b.min() >= 0.2 and b.max() <= 1.8 and abs(b.mean() - 1.0) < 0.05
    assert hue.min() >= -0.3 and hue.max() <= 0.3 and all(p[3] is None for p in params)
    assert all(sorted(p[0]) == [0, 1, 2, 3] for p in params)
    out = T.ColorJitter(brightness=0.5, rng=0)(torch.rand(3, 5, 5))
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float32
    with pytest.raises(ValueError, match="hue"):
        T.ColorJitter(hue=0.6)
    with pytest.raises(ValueError, match="brightness"):
        T.ColorJitter(brightness=-0.1)


# ---------------------------------------------------------------------------------------------
# rotations and shifts


def test_affine_quarter_turns_and_integer_shifts():
    x = RNG.normal(size=(2, 6, 6))
    np.testing.assert_allclose(T.affine(x, angle=90), np.rot90(x, 1, axes=(-2, -1)), atol=1e-12)
    np.testing.assert_allclose(T.affine(x, angle=-90), np.rot90(x, -1, axes=(-2, -1)), atol=1e-12)
    np.testing.assert_allclose(T.affine(x, angle=180), x[..., ::-1, ::-1], atol=1e-12)
    np.testing.assert_allclose(T.affine(x), x)
    shifted = T.affine(x, translate=(2, -1))  # right 2, up 1
    expected = np.zeros_like(x)
    expected[:, :-1, 2:] = x[:, 1:, :-2]
    np.testing.assert_allclose(shifted, expected, atol=1e-12)


@pytest.mark.parametrize("angle, shift, scale", [(17.0, (0.0, 0.0), 1.0), (-33.0, (1.5, -2.25), 1.0),
                                                 (8.0, (-0.7, 0.4), 1.2), (45.0, (3.0, 1.0), 0.8)])  # fmt: skip
def test_affine_equals_torch_grid_sample(angle, shift, scale):
    n = 16
    x = RNG.normal(size=(2, 3, n, n))
    ours = T.affine(x, angle, shift, scale)
    th = math.radians(angle)
    # inverse map in normalised coordinates (square image: both axes scale alike), y pointing down
    A = np.array([[math.cos(th), -math.sin(th)], [math.sin(th), math.cos(th)]]) / scale
    t = -A @ (2.0 * np.array(shift) / n)
    theta = torch.from_numpy(np.hstack([A, t[:, None]]))[None].repeat(2, 1, 1)
    grid = F.affine_grid(theta, (2, 3, n, n), align_corners=False)
    ref = F.grid_sample(torch.from_numpy(x), grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    np.testing.assert_allclose(ours, ref.numpy(), atol=1e-10)


def test_random_affine_parameters_in_range_and_seeded():
    rng = np.random.default_rng(0)
    draws = [T.RandomAffine.get_params((-10.0, 10.0), (0.1, 0.2), (0.9, 1.1), (28, 28), rng) for _ in range(2000)]
    angles = np.array([d[0] for d in draws]); dx = np.array([d[1][0] for d in draws]); dy = np.array([d[1][1] for d in draws])
    s = np.array([d[2] for d in draws])
    assert angles.min() >= -10 and angles.max() <= 10 and stats.kstest(angles, stats.uniform(-10, 20).cdf).pvalue > 1e-3
    assert np.abs(dx).max() <= 2.8 and np.abs(dy).max() <= 5.6 and np.abs(dy).max() > 5.0
    assert s.min() >= 0.9 and s.max() <= 1.1
    x = mnist_split("test")[0][0][None]
    a, b = T.RandomAffine(10, (0.1, 0.1), rng=4), T.RandomAffine(10, (0.1, 0.1), rng=4)
    assert all(np.array_equal(a(x), b(x)) for _ in range(10))
    with pytest.raises(ValueError, match="translate"):
        T.RandomAffine(10, translate=(1.5, 0.1))
    with pytest.raises(ValueError, match="degrees"):
        T.RandomAffine(-5)


# ---------------------------------------------------------------------------------------------
# cutout, mixup, cutmix


def test_cutout_box_is_clipped_square_with_uniform_centre():
    H = W = 28
    size = 8
    rng = np.random.default_rng(9)
    boxes = np.array([T.cutout_params(H, W, size, rng) for _ in range(4000)])
    top, left, h, w = boxes.T
    assert np.all(top >= 0) and np.all(left >= 0) and np.all(top + h <= H) and np.all(left + w <= W)
    assert np.all((h >= size // 2) & (h <= size) & (w >= size // 2) & (w <= size))
    # centres 4..24 of 0..27 leave room for the whole square along an axis: 21/28 of draws
    full = np.mean((h == size) & (w == size))
    assert binomial_ok(int(full * 4000), 4000, (21 / 28) ** 2)
    cutout = T.Cutout(size, rng=1)
    x = np.ones((3, H, W))
    out = cutout(x)
    t, l, hh, ww = cutout.last_params
    assert np.all(out[:, t : t + hh, l : l + ww] == 0) and out.sum() == x.sum() - 3 * hh * ww
    assert np.all(x == 1)  # the input is untouched
    assert T.Cutout(4, fill=0.5, rng=0)(torch.ones(1, 6, 6)).min().item() == 0.5


def _labelled_batch(n=6, c=2, h=10, w=12, dtype=np.float64):
    x = np.broadcast_to(np.arange(1, n + 1, dtype=dtype)[:, None, None, None], (n, c, h, w)).copy()
    return x, np.arange(n)


def test_mixup_blends_with_a_permutation_and_weights_sum_to_one():
    x, y = _labelled_batch()
    rng = np.random.default_rng(0)
    lams = []
    for _ in range(300):
        mixed, y_a, y_b, lam = T.mixup(x, y, alpha=0.4, rng=rng)
        assert 0.0 <= lam <= 1.0 and isinstance(lam, float)
        np.testing.assert_array_equal(y_a, y)
        assert sorted(y_b.tolist()) == y.tolist()  # a permutation
        np.testing.assert_allclose(mixed, lam * x + (1 - lam) * x[y_b])
        targets = T.mix_targets(y_a, y_b, lam, num_classes=10)
        np.testing.assert_allclose(targets.sum(axis=1), 1.0)
        lams.append(lam)
    assert stats.kstest(lams, stats.beta(0.4, 0.4).cdf).pvalue > 1e-3
    assert stats.kstest(lams, "uniform").pvalue < 1e-3  # not uniform: the Beta shape is visible


def test_mixup_loss_equals_soft_target_cross_entropy_and_works_on_tensors():
    x, y = _labelled_batch(dtype=np.float32)
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    m1, a1, b1, l1 = T.mixup(x, y, 1.0, rng=5)
    m2, a2, b2, l2 = T.mixup(tx, ty, 1.0, rng=5)
    assert isinstance(m2, torch.Tensor) and l1 == l2 and torch.equal(b2, torch.from_numpy(b1))
    np.testing.assert_allclose(m2.numpy(), m1)
    logits = torch.randn(6, 10, dtype=torch.float64)
    mixed_loss = l2 * F.cross_entropy(logits, a2) + (1 - l2) * F.cross_entropy(logits, b2)
    soft = F.cross_entropy(logits, torch.from_numpy(T.mix_targets(a1, b1, l1, 10)))
    torch.testing.assert_close(mixed_loss, soft)
    with pytest.raises(ValueError, match="alpha"):
        T.mixup(x, y, alpha=0.0)
    with pytest.raises(ValueError, match="y"):
        T.mixup(x, y[:3])
    with pytest.raises(TypeError, match="x"):
        T.mixup(x.astype(int), y)


def test_cutmix_lam_is_one_minus_the_pasted_area():
    x, y = _labelled_batch(n=5, h=16, w=16)
    rng = np.random.default_rng(3)
    clipped = 0
    for _ in range(400):
        mixed, y_a, y_b, lam = T.cutmix(x, y, alpha=1.0, rng=rng)
        np.testing.assert_array_equal(y_a, y)
        for i in range(5):
            if y_b[i] == i:
                continue
            pasted = mixed[i] == x[y_b[i]]
            kept = mixed[i] == x[i]
            assert np.all(pasted | kept)
            area = pasted[0].sum()
            assert lam == pytest.approx(1 - area / 256, abs=1e-12)
            if area:  # an axis-aligned box, the same in every channel
                rows, cols = np.flatnonzero(pasted[0].any(1)), np.flatnonzero(pasted[0].any(0))
                assert area == len(rows) * len(cols) == (rows[-1] - rows[0] + 1) * (cols[-1] - cols[0] + 1)
                assert np.array_equal(pasted[0], pasted[1])
        np.testing.assert_allclose(T.mix_targets(y_a, y_b, lam, 10).sum(1), 1.0)
    # clipping happens often, so a lam taken from the Beta draw would be caught
    rng = np.random.default_rng(1)
    for _ in range(500):
        lam0 = rng.uniform()
        top, left, h, w = T.cutmix_box(16, 16, lam0, rng)
        side = int(16 * math.sqrt(1 - lam0))
        assert h <= side and w <= side
        clipped += (h < 2 * (side // 2)) or (w < 2 * (side // 2))
    assert clipped > 100


def test_cutmix_on_tensors_and_input_untouched():
    x, y = _labelled_batch(n=4, h=8, w=8, dtype=np.float32)
    keep = x.copy()
    m1, _, b1, l1 = T.cutmix(x, y, rng=2)
    m2, _, b2, l2 = T.cutmix(torch.from_numpy(x), torch.from_numpy(y), rng=2)
    np.testing.assert_array_equal(m2.numpy(), m1)
    assert l1 == l2 and np.array_equal(x, keep)


def test_mix_targets_errors():
    with pytest.raises(ValueError, match="lam"):
        T.mix_targets(np.array([0]), np.array([1]), 1.5, 3)
    with pytest.raises(ValueError, match="num_classes"):
        T.mix_targets(np.array([0]), np.array([3]), 0.5, 3)
    with pytest.raises(TypeError, match="y_a"):
        T.mix_targets(np.array([0.5]), np.array([1]), 0.5, 3)


def test_compose_and_determinism_of_a_training_pipeline():
    img = photo_chw()[:, :64, :64]

    def pipeline(seed):
        rng = np.random.default_rng(seed)
        return T.Compose([T.RandomResizedCrop(32, rng=rng), T.RandomHorizontalFlip(rng=rng),
                          T.ColorJitter(0.4, 0.4, 0.4, 0.1, rng=rng), T.Cutout(8, rng=rng)])  # fmt: skip

    a, b, c = pipeline(0), pipeline(0), pipeline(1)
    outs_a = [a(img) for _ in range(5)]
    assert all(np.array_equal(o, b(img)) for o in outs_a)
    assert not all(np.array_equal(o, c(img)) for o in outs_a)
    assert outs_a[0].shape == (3, 32, 32)
    with pytest.raises(TypeError, match="transforms"):
        T.Compose([1])
