"""``ostiary theme new NAME``: a theme package that installs and works at once."""

import os
import subprocess
import sys
import textwrap
import tomllib

import pytest
from theme_kit import install_theme, unique

from ostiary.cli import main as cli
from ostiary.testing import close_app


def test_it_writes_an_installable_package(tmp_path, capsys):
    assert cli(["theme", "new", "acme", "--dest", str(tmp_path / "acme")]) == 0
    root = tmp_path / "acme"
    project = tomllib.loads((root / "pyproject.toml").read_text())
    assert project["project"]["name"] == "ostiary-theme-acme"
    assert project["project"]["entry-points"]["ostiary.themes"] == {"acme": "ostiary_theme_acme"}
    assert (root / "ostiary_theme_acme" / "static" / "theme.css").exists()
    assert (root / "ostiary_theme_acme" / "templates" / "macros" / "site_footer.pt").exists()
    assert "ostiary.theme = acme" in capsys.readouterr().out


def test_it_also_runs_after_an_ini_file_without_opening_the_database(tmp_path):
    assert cli(["no-such.ini", "theme", "new", "acme", "--dest", str(tmp_path / "t")]) == 0


def test_it_refuses_a_bad_name_and_a_directory_in_use(tmp_path, capsys):
    assert cli(["theme", "new", "Acme-Corp", "--dest", str(tmp_path / "a")]) == 2
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "file").write_text("mine")
    assert cli(["theme", "new", "acme", "--dest", str(tmp_path / "used")]) == 2
    assert "not empty" in capsys.readouterr().err


def test_the_skeleton_is_selectable_and_changes_the_stylesheet(tmp_path, monkeypatch, ostiary_settings):
    import webtest

    from ostiary import main

    name = unique("skel")
    cli(["theme", "new", name, "--dest", str(tmp_path / "skel")])
    package = tmp_path / "skel" / f"ostiary_theme_{name}"
    files = {str(p.relative_to(package)): p.read_text() for p in package.rglob("*") if p.is_file()}
    theme = install_theme(monkeypatch, tmp_path / "installed", name, files)
    app = main({}, **dict(ostiary_settings, **{"ostiary.theme": theme}))
    try:
        page = webtest.TestApp(app).get("/account/login")
        css = webtest.TestApp(app).get(page.html.find_all("link")[1]["href"])
        assert "The " + name + " theme" in css.text
    finally:
        close_app(app)


RENDER = textwrap.dedent("""
    import sys, tempfile, webtest
    from ostiary import main
    from ostiary.testing import base_settings
    settings = dict(base_settings(tempfile.mkdtemp()), **{"ostiary.theme": sys.argv[1]})
    app = webtest.TestApp(main({}, **settings))
    page = app.get("/account/login")
    print(app.get(page.html.find_all("link")[1]["href"]).text)
""")


@pytest.mark.slow
def test_the_skeleton_installs_with_pip_and_works_at_once(tmp_path):
    pytest.importorskip("wheel", reason="pip install --no-build-isolation needs wheel (make test installs it)")
    name = unique("piptheme")
    cli(["theme", "new", name, "--dest", str(tmp_path / name)])
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    env = dict(os.environ, PIP_NO_INPUT="1")
    subprocess.run(
        [*pip, "install", "--no-deps", "--no-build-isolation", "-e", str(tmp_path / name)],
        check=True,
        env=env,
        cwd=tmp_path,
        capture_output=True,
    )
    try:
        result = subprocess.run([sys.executable, "-c", RENDER, name], capture_output=True, text=True, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert f"The {name} theme" in result.stdout
    finally:
        subprocess.run([*pip, "uninstall", "-y", f"ostiary-theme-{name}"], env=env, capture_output=True)
