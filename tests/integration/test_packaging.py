"""Packaging: `cmake --install` into a DESTDIR (layout, paths following the prefix, an existing
configuration kept) and the systemd unit (`systemd-analyze verify`). Uses the build tree of
CSRD_BIN; skipped when CSRD_BIN is not in one."""
import os
import shutil
import stat
import subprocess

import pytest

import csrdtest as ct


def build_dir():
    d = os.path.dirname(os.path.abspath(ct.CSRD_BIN))
    if not os.path.isfile(os.path.join(d, "cmake_install.cmake")):
        pytest.skip(f"CSRD_BIN {ct.CSRD_BIN} is not in a CMake build tree")
    if shutil.which("cmake") is None:
        pytest.skip("cmake not installed")
    return d


def install(dest, prefix):
    env = dict(os.environ, DESTDIR=str(dest))
    p = subprocess.run(["cmake", "--install", build_dir(), "--prefix", prefix], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    assert p.returncode == 0, p.stdout.decode()
    return p.stdout.decode()


def read(path):
    with open(path) as f:
        return f.read()


def test_install_layout_under_usr(tmp_path):
    dest = tmp_path / "root"
    install(dest, "/usr")
    for name in ("csrctl", "csrd"):
        binary = dest / "usr/bin" / name
        assert binary.is_file() and os.access(binary, os.X_OK), name
    unit = read(dest / "usr/lib/systemd/system/csrd.service")
    assert "ExecStart=/usr/bin/csrd serve --config /etc/csrd/csrd.toml\n" in unit
    assert "EnvironmentFile=-/etc/csrd/csrd.env\n" in unit
    conf = dest / "etc/csrd/csrd.toml"
    assert read(conf) == read(os.path.join(ct.REPO, "packaging", "csrd.toml"))
    assert stat.S_IMODE(os.stat(conf).st_mode) == 0o644  # csrd (not root) must read it
    assert "u csrd " in read(dest / "usr/lib/sysusers.d/csrd.conf")
    for doc in ("README.md", "configuration.md", "csrd.toml", "csrd.env.example"):
        assert (dest / "usr/share/doc/csrd" / doc).is_file(), doc

    # The installed program accepts the installed configuration.
    p = subprocess.run([str(binary), "serve", "--config", str(conf), "--data-dir", str(tmp_path / "data"),
                        "--check-config"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env={k: v for k, v in os.environ.items() if not k.startswith("CSRD_")}, timeout=60)
    assert p.returncode == 0, p.stderr.decode()

    # Installing again keeps an edited configuration.
    with open(conf, "a") as f:
        f.write("# edited by the operator\n")
    out = install(dest, "/usr")
    assert "Keeping existing" in out
    assert read(conf).endswith("# edited by the operator\n")


def test_install_paths_follow_the_prefix(tmp_path):
    dest = tmp_path / "root"
    install(dest, "/opt/csrd")
    unit = read(dest / "opt/csrd/lib/systemd/system/csrd.service")
    assert "ExecStart=/opt/csrd/bin/csrd serve --config /opt/csrd/etc/csrd/csrd.toml\n" in unit
    assert "EnvironmentFile=-/opt/csrd/etc/csrd/csrd.env\n" in unit
    assert "Documentation=file:/opt/csrd/share/doc/csrd/configuration.md\n" in unit
    assert "/usr/bin/csrd" not in unit
    assert (dest / "opt/csrd/bin/csrd").is_file()
    assert (dest / "opt/csrd/etc/csrd/csrd.toml").is_file()
    assert not (dest / "etc").exists()


def test_systemd_unit_verifies(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze not installed (package systemd)")
    dest = tmp_path / "root"
    install(dest, "/usr")
    # verify insists that ExecStart exists: point it at the installed binary.
    unit = read(dest / "usr/lib/systemd/system/csrd.service")
    unit = unit.replace("/usr/bin/csrd", str(dest / "usr/bin/csrd"))
    path = tmp_path / "csrd.service"
    path.write_text(unit)
    p = subprocess.run([analyze, "verify", str(path)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=120)
    out = p.stdout.decode()
    # Unknown keys and bad values are only warnings to systemd: none may appear.
    assert p.returncode == 0 and out.strip() == "", f"rc {p.returncode}:\n{out}"
