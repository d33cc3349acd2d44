"""The wheel is complete: built from the sources, installed in a new virtual environment, it
loads the demo (templates, static files, translations, the programme, its videos and the SCORM
package all come from the wheel, not from this checkout)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import zipfile
from pathlib import Path
from unittest import skipIf

import pytest
from django.test import SimpleTestCase

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ["pyproject.toml", "README.md", "balie"]
LEFT_OUT = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")


def run(*command: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(  # noqa: S603 (our own commands)
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.mark.packaging
@skipIf(
    os.environ.get("BALIE_DATABASE_URL"),
    "uses a SQLite database of its own: once, in the SQLite run of the suite, is enough",
)
class WheelTests(SimpleTestCase):
    def setUp(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="balie-wheel-"))
        self.addCleanup(shutil.rmtree, self.tmp)

    def build(self) -> Path:
        """Build from a copy of the sources, so that no earlier build/ of the checkout leaks in."""
        source = self.tmp / "source"
        source.mkdir()
        for name in SOURCES:
            if (ROOT / name).is_dir():
                shutil.copytree(ROOT / name, source / name, ignore=LEFT_OUT)
            else:
                shutil.copy2(ROOT / name, source / name)
        wheels = self.tmp / "wheels"
        pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
        run(*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", wheels, source, cwd=source)
        [wheel] = wheels.glob("balie-*.whl")
        return wheel

    def install(self, wheel: Path) -> Path:
        """A new virtual environment with only Balie in it; its dependencies are read from the
        environment running this test, whose site-packages it lists after its own."""
        venv = self.tmp / "venv"
        run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=self.tmp)
        python = venv / "bin" / "python"
        pip: list[str | Path] = [
            sys.executable,
            "-m",
            "pip",
            "--disable-pip-version-check",
            "--python",
            python,
        ]
        run(*pip, "install", "--quiet", "--no-deps", wheel, cwd=self.tmp)
        new_site = run(
            python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=self.tmp
        ).strip()
        ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
        (Path(new_site) / "dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
        return venv / "bin" / "balie"

    def test_the_wheel_holds_the_demo_and_loads_it_in_a_new_environment(self) -> None:
        wheel = self.build()
        names = set(zipfile.ZipFile(wheel).namelist())
        for expected in [
            "balie/templates/base.html",
            "balie/locale/nl/LC_MESSAGES/django.mo",
            "balie/demo/programme.toml",
            "balie/demo/RuntimeBasicCalls_SCORM12.zip",
            "balie/demo/media/m1-de-boekstartcoach-van-wachtkamer-naar.webm",
        ]:
            self.assertIn(expected, names)
        self.assertTrue(any(name.startswith("balie/static/") for name in names))

        balie = self.install(wheel)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("BALIE_", "PYTHON"))},
            "BALIE_VAR_DIR": str(self.tmp / "var"),
            "BALIE_DATABASE_URL": "",
            "DJANGO_SETTINGS_MODULE": "balie.settings",
        }
        python = balie.with_name("python")
        where = run(python, "-c", "import balie; print(balie.__file__)", cwd=self.tmp, env=env)
        self.assertTrue(where.startswith(str(self.tmp / "venv")), where)
        run(balie, "migrate", "--noinput", cwd=self.tmp, env=env)
        output = run(balie, "load_demo", cwd=self.tmp, env=env)
        self.assertIn("jeroen@helmond-peel.example", output)
        videos = list((self.tmp / "var" / "media").rglob("*.webm"))
        self.assertEqual(len(videos), 6)
        counted = run(
            balie,
            "shell",
            "--no-imports",
            "-c",
            "from balie.learning.models import Module; print(Module.objects.count())",
            cwd=self.tmp,
            env=env,
        )
        self.assertEqual(counted.strip(), "7")
