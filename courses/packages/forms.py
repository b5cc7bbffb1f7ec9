"""The admin's package form: a new package is a zip, checked and read here (stored by the view's service)."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from . import scorm  # noqa: F401 (registers SCORM's parser)
from .parsers import package_parse
from .validation import PackageInvalid, zip_check


class PackageAdminForm(WagtailAdminModelForm):
    package_file = forms.FileField(
        label=_("Package (zip)"),
        required=False,
        help_text=format_lazy(
            _("A SCORM 1.2 or SCORM 2004 package (imsmanifest.xml at its root), at most {}."),
            filesizeformat(settings.PACKAGES_MAX_UPLOAD_BYTES),
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # A stored package's files never change (a new version is a new package).
            self.fields.pop("package_file", None)
        else:
            self.fields["package_file"].required = True
            self.fields["title"].required = False
            self.fields["title"].help_text = _("Leave empty to use the title in the package's manifest.")

    def clean_package_file(self):
        upload = self.cleaned_data.get("package_file")
        if upload is None:
            return upload
        try:
            checked = zip_check(upload, size=upload.size)
            try:
                package_parse(checked)
            finally:
                checked.archive.close()
        except PackageInvalid as invalid:
            raise ValidationError(invalid.messages) from None
        upload.seek(0)
        return upload
