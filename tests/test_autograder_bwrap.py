"""The bwrap command line, argument by argument, for given sandbox settings (no bwrap is run)."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder import bwrap
from autograder.config import SandboxConfig
from autograder.errors import SandboxUnavailable


@pytest.fixture
def paths(tmp_path):
    out = {}
    for name in ("course", "convkit", "sock", "cwd", "env"):
        out[name] = tmp_path / name
        out[name].mkdir()
    out["gradebook"] = tmp_path / "gradebook.db"
    out["gradebook"].write_text("")
    out["missing"] = tmp_path / "missing"
    return {k: str(v) for k, v in out.items()}


def _opened(paths, roots):
    return bwrap.open_dirs(paths, roots)


def test_unprivileged_grader_gets_a_user_namespace_and_exact_binds(paths, tmp_path):
    p = paths
    weights = tmp_path / "weights"
    weights.mkdir()
    cfg = SandboxConfig(hide=(p["course"], p["gradebook"], p["missing"]),
                        readonly=(p["convkit"], p["missing"]), writable=(p["sock"],),
                        mounts=((str(weights), "/var/cache/convkit"), (p["missing"], "/x")),
                        setenv=(("CONVKIT_CACHE", "/var/cache/convkit"),),
                        bwrap="/usr/bin/bwrap")
    args = bwrap.bwrap_args(cfg, p["cwd"], "/run/kernel-1.json", supports_size=True,
                            python=[p["env"], p["env"]], system=["/usr", "/lib", "/no-such-dir"])
    later = [p["env"], p["convkit"], "/var/cache/convkit", "/run/kernel-1.json",
             p["sock"], p["cwd"]]
    assert args == [
        "/usr/bin/bwrap", "--unshare-all", "--die-with-parent",
        "--symlink", "usr/lib", "/lib",              # a link is recreated, a missing path left out
        "--ro-bind", "/usr", "/usr",
        "--dev", "/dev", "--proc", "/proc",
        "--size", str(512 << 20), "--tmpfs", "/tmp",
        "--perms", "1777", "--size", str(512 << 20), "--tmpfs", "/dev/shm",  # writable: semaphores
        *_opened([p["course"], p["gradebook"]], ["/", "/tmp"]),
        "--tmpfs", p["course"],                       # a hidden folder: empty
        "--ro-bind", "/dev/null", p["gradebook"],     # a hidden file: empty; a missing one: nothing
        *_opened(later, ["/", "/tmp", p["course"]]),  # folders on the way: 0755
        "--ro-bind", p["env"], p["env"],              # read-only, once each, missing ones left out
        "--ro-bind", p["convkit"], p["convkit"],
        "--ro-bind", str(weights), "/var/cache/convkit",
        "--ro-bind", "/run/kernel-1.json", "/run/kernel-1.json",
        "--bind", p["sock"], p["sock"], "--bind", p["cwd"], p["cwd"],
        "--remount-ro", "/",                          # the root tmpfs: nothing to write there
        "--chdir", p["cwd"], "--unsetenv", "JPY_PARENT_PID", "--setenv", "HOME", p["cwd"],
        "--setenv", "TMPDIR", "/tmp", "--setenv", "CONVKIT_CACHE", "/var/cache/convkit",
    ]
    assert "/" not in args[args.index("--die-with-parent"):args.index("--remount-ro")], \
        "the host's root is never bound (an allowlist)"
    assert bwrap.drop_args(cfg, "/usr/bin/setpriv") == []


def test_root_grader_drops_to_the_kernel_user(paths):
    assert paths["cwd"].startswith("/tmp/"), "pytest's basetemp is expected under /tmp"
    p = paths
    cfg = SandboxConfig(hide=(p["course"],), readonly=(p["convkit"],), writable=(p["sock"],),
                        uid=65534, gid=65534, tmp_bytes=1 << 20)
    args = bwrap.bwrap_args(cfg, p["cwd"], supports_size=True, python=[], system=[])
    name = bwrap.user_name(65534)
    # folders between /tmp (the sandbox's tmpfs) and the bound paths: created enterable
    base = Path(p["cwd"]).parent
    tmp = Path("/tmp")
    created = [str(d) for d in [*reversed(base.parents), base] if d != tmp and tmp in d.parents]
    assert created, "the test's folders lie under /tmp"
    assert args == [
        "bwrap", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
        "--unshare-cgroup-try", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
        "--die-with-parent", "--dev", "/dev", "--proc", "/proc",
        "--perms", "1777", "--size", str(1 << 20), "--tmpfs", "/tmp",
        "--perms", "1777", "--size", str(1 << 20), "--tmpfs", "/dev/shm",
        *[arg for d in created for arg in ("--perms", "0755", "--dir", d)],
        "--tmpfs", p["course"],
        *[arg for d in created for arg in ("--perms", "0755", "--dir", d)],
        "--ro-bind", p["convkit"], p["convkit"],
        "--bind", p["sock"], p["sock"], "--bind", p["cwd"], p["cwd"],
        "--remount-ro", "/",
        "--chdir", p["cwd"], "--unsetenv", "JPY_PARENT_PID", "--setenv", "HOME", p["cwd"],
        "--setenv", "TMPDIR", "/tmp", "--setenv", "USER", name, "--setenv", "LOGNAME", name,
    ]
    assert bwrap.drop_args(cfg, "/usr/bin/setpriv") == [
        "/usr/bin/setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups",
        "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
    with pytest.raises(SandboxUnavailable, match="setpriv"):
        bwrap.drop_args(cfg, None)


def test_the_default_system_paths_leave_out_homes_and_other_copies():
    for path in ("/home", "/root", "/srv", "/work", "/opt", "/mnt", "/media", "/var", "/etc"):
        assert path not in bwrap.SYSTEM_PATHS
        assert not any(s.startswith(path + "/") for s in bwrap.SYSTEM_PATHS
                       if not s.startswith(("/etc/", "/sys/"))), path
    assert "/usr" in bwrap.SYSTEM_PATHS and "/etc/passwd" in bwrap.SYSTEM_PATHS


def test_without_size_support_there_is_no_size_argument(paths):
    args = bwrap.bwrap_args(SandboxConfig(), paths["cwd"], python=[])
    assert "--size" not in args and args[:2] == ["bwrap", "--unshare-all"]
    assert args[3:6] != ["--ro-bind", "/", "/"] and "/usr" in args


def test_the_python_environment_is_bound_by_default(paths):
    import os
    import sys

    prefix = os.path.realpath(sys.prefix)
    args = bwrap.bwrap_args(SandboxConfig(), paths["cwd"])
    assert ["--ro-bind", prefix, prefix] == args[args.index(prefix) - 1:][:3]


def test_read_only_links_are_bound_at_their_target(paths, tmp_path):
    """bwrap cannot mount onto a symbolic link (``.venv -> /shared/.venv`` refused to grade)."""
    link = tmp_path / "venv-link"
    link.symlink_to(paths["env"])
    args = bwrap.bwrap_args(SandboxConfig(readonly=(str(link),)), paths["cwd"], python=[])
    assert ["--ro-bind", paths["env"], paths["env"]] == args[args.index(paths["env"]) - 1:][:3]
    assert str(link) not in args


def test_sandbox_config_round_trips_and_checks_its_fields():
    cfg = SandboxConfig(hide=("/a",), cpu_seconds=5, uid=7, gid=8, sandboxed=False,
                        mounts=[("/w/handout/convkit", "/course/convkit")],
                        setenv=[("CONVKIT_CACHE", "/var/cache/convkit")], handout="12-x")
    assert SandboxConfig.from_json(cfg.to_json()) == cfg
    assert cfg.mounts == (("/w/handout/convkit", "/course/convkit"),)
    with pytest.raises(TypeError, match="mounts"):
        SandboxConfig(mounts=[("/a", "/b", "/c")])
    with pytest.raises(ValueError, match="cpu_seconds"):
        SandboxConfig(cpu_seconds=0)
    with pytest.raises(TypeError, match="memory_bytes"):
        SandboxConfig(memory_bytes=1.5)
    with pytest.raises(TypeError, match="hide"):
        SandboxConfig(hide="/course")
    with pytest.raises(ValueError, match="uid and gid"):
        SandboxConfig(uid=7)
    with pytest.raises(ValueError, match="unknown SandboxConfig key"):
        SandboxConfig.from_json('{"sandbox": true}')


def test_a_closed_folder_inside_a_bound_tree_becomes_an_enterable_tmpfs():
    import os
    import secrets
    import shutil

    tree = Path("/var/tmp") / f"ag-tree-{secrets.token_hex(3)}"  # outside /tmp: a real host path
    (tree / "closed" / "pkg").mkdir(parents=True)
    (tree / "other-closed" / "pkg").mkdir(parents=True)
    try:
        (tree / "closed").chmod(0o700)
        (tree / "other-closed").chmod(0o700)
        pkg, other = str(tree / "closed" / "pkg"), str(tree / "other-closed" / "pkg")
        cfg = SandboxConfig(readonly=(pkg,), uid=65534, gid=65534)
        args = bwrap.bwrap_args(cfg, "/tmp/cwd", python=[], system=[str(tree)])
        tmpfs = [args[i + 1] for i, a in enumerate(args) if a == "--tmpfs"]
        assert tmpfs == ["/tmp", "/dev/shm", str(tree / "closed")], tmpfs
        assert args.index(str(tree / "closed")) < args.index(pkg)
        # not in a bound tree: a fresh folder bwrap creates 0755, no tmpfs needed
        args = bwrap.bwrap_args(cfg.replace(readonly=(other,)), "/tmp/cwd", python=[], system=[])
        assert [args[i + 1] for i, a in enumerate(args) if a == "--tmpfs"] == ["/tmp", "/dev/shm"]
        assert os.path.isdir(other)
    finally:
        shutil.rmtree(tree)
