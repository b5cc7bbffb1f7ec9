"""An H5P lesson for the tests: the package built by courses.packages.h5p.demo, uploaded for real."""

import io

from courses.packages.h5p.demo import multichoice_h5p
from courses.packages.services import package_upload
from tests.courses.factories import course_create


def h5p_package(**kw):
    data = multichoice_h5p(**kw)
    return package_upload(upload=io.BytesIO(data), user=None, size=len(data), filename="cau-hoi.h5p")


def h5p_course(home_page, package, *, pass_mark=80, extra_lessons=()):
    block = {"type": "package", "value": {"package": package.pk, "height": 500}}
    return course_create(
        home_page,
        title="Khóa học H5P",
        pass_mark=pass_mark,
        lessons=[("Bài H5P", [block]), *extra_lessons],
    )
