import pytest


@pytest.fixture
def media(settings, tmp_path):
    """Package files go to a folder of the test's own: what was stored (or not) can be listed."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


def stored_files(media):
    return sorted(str(path.relative_to(media)) for path in media.rglob("*") if path.is_file())
