"""Reading the PDFs the site renders (certificates, posters) with poppler-utils."""

import os
import re
import shutil
import subprocess

import pytest


def pdf_tool(name):
    if not shutil.which(name):
        if os.environ.get("CI"):
            pytest.fail(f"{name} is missing: .ci/system-deps.sh installs poppler-utils")
        pytest.skip(f"{name} is not installed (poppler-utils; make system-deps installs it)")
    return name


def pdf_text(pdf, tmp_path):
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    return subprocess.run([pdf_tool("pdftotext"), str(path), "-"], check=True, capture_output=True, text=True).stdout


def pdf_pages(pdf, tmp_path):
    path = tmp_path / "pages.pdf"
    path.write_bytes(pdf)
    info = subprocess.run([pdf_tool("pdfinfo"), str(path)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))
