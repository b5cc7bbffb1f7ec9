"""The lock files pin, with hashes, a version inside every range the requirements files ask for.

`make install` installs requirements-dev.lock with `--require-hashes`; production installs
requirements.lock. A range edited without `make lock` fails here, not on a clean clone.
"""

import re
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9_.\-\[\],]+)==([^\s\\;]+)")


def requirements(name: str) -> list[Requirement]:
    found = []
    for line in (ROOT / name).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            found += requirements(line[3:].strip())
        elif line:
            found.append(Requirement(line))
    return found


def pins(name: str) -> dict[str, tuple[str, int]]:
    """{normalised name: (version, number of hashes)}."""
    lines = (ROOT / name).read_text().splitlines()
    found: dict[str, tuple[str, int]] = {}
    current = None
    for line in lines:
        match = PIN.match(line)
        if match:
            current = re.sub(r"\[.*\]", "", match.group(1)).lower().replace("_", "-")
            found[current] = (match.group(2), 0)
        elif current and line.strip().startswith("--hash=sha256:"):
            version, hashes = found[current]
            found[current] = (version, hashes + 1)
    return found


def normalised(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


@pytest.mark.parametrize(
    "requirements_file, lock_file",
    [("requirements-dev.txt", "requirements-dev.lock"), ("requirements.txt", "requirements.lock")],
)
def test_every_requirement_is_pinned_inside_its_range_with_hashes(requirements_file, lock_file):
    locked = {normalised(name): value for name, value in pins(lock_file).items()}
    for requirement in requirements(requirements_file):
        name = normalised(requirement.name)
        assert name in locked, f"{requirement.name} is not in {lock_file}: run make lock"
        version, _hashes = locked[name]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{lock_file} pins {requirement.name}=={version}, outside {requirement.specifier}: run make lock"
        )
    assert all(hashes for _, hashes in locked.values()), f"{lock_file} has a pin without a hash"


def test_runtime_lock_takes_the_same_versions_as_the_dev_lock():
    dev = pins("requirements-dev.lock")
    for name, (version, _) in pins("requirements.lock").items():
        assert dev[name][0] == version, f"{name}: {version} in requirements.lock, {dev[name][0]} in the dev lock"
