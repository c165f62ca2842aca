"""convkit.training.pretrain: cache location, cache key, train-once-then-load, stale and broken files."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from convkit.training import pretrain as P

FAST = P.PretrainConfig(epochs=1, batch_size=256)


def test_cache_dir_order(monkeypatch, tmp_path):
    monkeypatch.setenv("CONVKIT_CACHE", str(tmp_path / "a"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert P.cache_dir() == tmp_path / "a"
    monkeypatch.setenv("CONVKIT_CACHE", "")
    assert P.cache_dir() == tmp_path / "x" / "convkit"
    monkeypatch.delenv("CONVKIT_CACHE")
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert P.cache_dir() == tmp_path / "home" / ".cache" / "convkit"


@pytest.mark.parametrize("change", [dict(epochs=11), dict(batch_size=64), dict(lr=1e-3), dict(seed=1),
                                    dict(threads=2), dict(arch="lenet5-original")])
def test_cache_key_depends_on_every_field_and_torch(change):
    base = P.PretrainConfig()
    assert P.cache_key(base, "2.0") == P.cache_key(P.PretrainConfig(), "2.0")
    assert P.cache_key(base, "2.0") != P.cache_key(P.PretrainConfig(**change), "2.0")
    assert P.cache_key(base, "2.0") != P.cache_key(base, "2.1")
    assert P.cache_key(base) in P.cache_path(base).name


@pytest.mark.parametrize("bad", [dict(epochs=0), dict(batch_size=True), dict(seed=-1), dict(lr=0),
                                 dict(arch="vgg"), dict(threads=0)])
def test_config_rejects_bad_values(bad):
    with pytest.raises(ValueError, match=next(iter(bad))):
        P.PretrainConfig(**bad)


def test_trains_once_then_loads_and_ignores_stale_files(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("CONVKIT_CACHE", str(tmp_path))
    # The command line trains into the cache folder ...
    assert P.main(["--epochs", "1"]) == 0
    out = capsys.readouterr().out
    assert "training" in out and "MNIST test accuracy" in out
    # ... and load_pretrained reads that file (default batch size: same config as the command line).
    cfg = P.PretrainConfig(epochs=1)
    net, info = P.load_pretrained(cfg)
    assert info["from_cache"] and Path(info["path"]) == P.cache_path(cfg) and Path(info["path"]).parent == tmp_path
    assert info["mnist_test_accuracy"] > 0.8
    net2, _ = P.load_pretrained(cfg)
    for a, b in zip(net.parameters(), net2.parameters()):
        assert torch.equal(a, b) and a is not b
    assert net[11].out_features == 10 and not net.training
    # A file holding another key (as if written by another torch) is never used.
    blob = torch.load(P.cache_path(cfg), weights_only=True)
    blob["key"] = "0" * 16
    torch.save(blob, P.cache_path(cfg))
    _, info = P.load_pretrained(cfg)
    assert not info["from_cache"]
    assert torch.load(P.cache_path(cfg), weights_only=True)["key"] == P.cache_key(cfg)


def test_broken_file_is_retrained_with_a_warning(tmp_path):
    path = P.cache_path(FAST, tmp_path)
    path.write_bytes(b"not a torch file")
    with pytest.warns(RuntimeWarning, match="unreadable"):
        net, info = P.load_pretrained(FAST, directory=tmp_path)
    assert not info["from_cache"] and path.stat().st_size > 1000
    assert P.load_pretrained(FAST, directory=tmp_path)[1]["from_cache"]


def test_same_config_gives_identical_weights(tmp_path):
    a, _ = P.pretrain(FAST)
    b, _ = P.pretrain(FAST)
    for p, q in zip(a.parameters(), b.parameters()):
        assert torch.equal(p, q)
