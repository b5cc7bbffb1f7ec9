"""People, organisation units and consent: the lowest layer of the project."""

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from .phone import phone_normalise, validate_phone


class OrganisationUnit(MP_Node):
    """A node in the administrative tree: province, commune, agency, department...

    The depth is not fixed: since 2025 local government has two levels
    (province, commune), but agencies, their departments and older
    three-level data (districts) fit in the same tree. Sub-trees are
    selected by path prefix (``get_descendants``), never by walking in Python.
    """

    class Kind(models.TextChoices):
        PROVINCE = "province", _("Province / city")
        COMMUNE = "commune", _("Commune / ward")
        DISTRICT = "district", _("District (before 2025)")
        AGENCY = "agency", _("Agency / department")
        DIVISION = "division", _("Division / office")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=255)
    code = models.CharField(
        _("code"), max_length=50, unique=True, help_text=_("A short unique code, e.g. the unit's administrative code.")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    managers = models.ManyToManyField(
        "accounts.User",
        verbose_name=_("managers"),
        blank=True,
        related_name="managed_units",
        help_text=_("People who see this unit's and its sub-units' training and decide on extension requests."),
    )

    node_order_by = ["name"]

    class Meta:
        verbose_name = _("organisation unit")
        verbose_name_plural = _("organisation units")

    def __str__(self):
        return self.name

    def indented_name(self):
        """The name, indented by depth, for flat listings in tree order."""
        return "\u2003" * (self.depth - 1) + self.name

    indented_name.short_description = _("name")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        user = self.model(email=email or None, **extra_fields)
        user.full_clean(exclude=["password"], validate_unique=False)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if not email:
            raise ValueError("A superuser needs an email address.")
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get_by_identifier(username)

    def get_by_identifier(self, identifier):
        """The active or inactive user whose email or phone number is ``identifier``."""
        identifier = (identifier or "").strip()
        if "@" in identifier:
            return self.get(email=self.normalize_email(identifier).lower())
        phone = phone_normalise(identifier)
        if phone is None:
            raise self.model.DoesNotExist
        return self.get(phone=phone)


class User(AbstractBaseUser, PermissionsMixin):
    """A person: a citizen or a civil servant, a learner and maybe a staff member.

    People sign in with their email address or their phone number; many
    citizens have no email, so either one is enough, but one is required.
    """

    class Kind(models.TextChoices):
        CITIZEN = "citizen", _("Citizen")
        CIVIL_SERVANT = "civil_servant", _("Civil servant")

    email = models.EmailField(_("email address"), unique=True, null=True, blank=True)
    phone = models.CharField(
        _("phone number"), max_length=20, unique=True, null=True, blank=True, validators=[validate_phone]
    )
    full_name = models.CharField(_("full name"), max_length=255)
    kind = models.CharField(_("kind of learner"), max_length=20, choices=Kind.choices, default=Kind.CITIZEN)
    organisation_unit = models.ForeignKey(
        OrganisationUnit,
        verbose_name=_("organisation unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    # From the HR roster (civil servants); empty for citizens.
    employee_code = models.CharField(
        _("employee code"), max_length=50, unique=True, null=True, blank=True, help_text=_("The HR office's code.")
    )
    position = models.CharField(_("position"), max_length=255, blank=True)
    started_on = models.DateField(_("start date"), null=True, blank=True)
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=10,
        choices=[("vi", _("Vietnamese")), ("en", _("English"))],
        default="vi",
    )
    privacy_consent_at = models.DateTimeField(
        _("privacy notice accepted at"),
        null=True,
        blank=True,
        help_text=_("When the person accepted the privacy notice. Empty means not accepted."),
    )
    is_staff = models.BooleanField(
        _("staff status"), default=False, help_text=_("Whether the user can sign in to the admin site.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=Q(email__isnull=False) | Q(phone__isnull=False),
                name="accounts_user_email_or_phone",
                violation_error_message=_("Enter an email address or a phone number."),
            ),
        ]
        indexes = [models.Index(fields=["organisation_unit", "kind"], name="accounts_user_unit_kind_idx")]

    def save(self, *args, **kwargs):
        # Keep one canonical form whatever path the data came through.
        self.email = self.email.strip().lower() if self.email else None
        self.phone = (phone_normalise(self.phone) or self.phone) if self.phone else None
        self.employee_code = self.employee_code.strip() or None if self.employee_code else None
        super().save(*args, **kwargs)

    def __str__(self):
        return self.full_name or self.identifier

    @property
    def identifier(self):
        """What the person signs in with: the email address, else the phone number."""
        return self.email or self.phone or ""

    def get_username(self):
        return self.identifier

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        # Vietnamese names put the given name last.
        return self.full_name.split()[-1] if self.full_name.strip() else self.identifier

    def clean(self):
        # Not AbstractBaseUser.clean(): it would copy get_username() (maybe a phone) into email.
        models.Model.clean(self)
        self.email = self.__class__.objects.normalize_email(self.email).lower() if self.email else None
        if self.phone:
            self.phone = phone_normalise(self.phone) or self.phone
        else:
            self.phone = None
        if not self.email and not self.phone:
            raise ValidationError(_("Enter an email address or a phone number."), code="no_contact")

    @property
    def has_privacy_consent(self):
        return self.privacy_consent_at is not None


class RosterImport(models.Model):
    """One upload of the HR office's roster: checked (dry run), then applied all or nothing.

    The file's bytes are kept only until the import is applied or abandoned;
    the summary keeps the counts and the rejected rows with their reasons.
    """

    class Status(models.TextChoices):
        CHECKING = "checking", _("Checking")
        CHECKED = "checked", _("Checked")
        APPLYING = "applying", _("Importing")
        APPLIED = "applied", _("Imported")
        FAILED = "failed", _("Failed")

    uploaded_by = models.ForeignKey(
        User, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    file_name = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(_("content"), editable=False, null=True)
    full_roster = models.BooleanField(
        _("full roster"),
        default=False,
        help_text=_("The file lists everyone: people missing from it are deactivated (never deleted)."),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.CHECKING)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    applied_at = models.DateTimeField(_("imported at"), null=True, blank=True)
    # Set by every write of the status or the progress: a check or an import in progress whose
    # row has not changed for a while lost its task (accounts.roster.services.roster_imports_resume).
    updated_at = models.DateTimeField(_("last change"), default=timezone.now)

    class Meta:
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")
        ordering = ["-uploaded_at"]

    def __str__(self):
        return self.file_name


# How a person wants to be reached ------------------------------------------------------


class ContactPreference(models.Model):
    """The channels a person chose for reminders and notices (e-mail, SMS, the site's inbox, Zalo).

    No row means the default: e-mail when the person has an address, else SMS.
    Mandatory-training reminders follow the channels chosen here but cannot be
    refused; optional messages also need the purpose not refused (``Consent``).
    """

    user = models.OneToOneField(
        User, verbose_name=_("person"), on_delete=models.CASCADE, primary_key=True, related_name="contact_preference"
    )
    use_email = models.BooleanField(_("by e-mail"), default=True)
    use_sms = models.BooleanField(_("by SMS"), default=False)
    use_in_app = models.BooleanField(_("in my inbox on this site"), default=False)
    use_zalo = models.BooleanField(_("by Zalo"), default=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("contact preference")
        verbose_name_plural = _("contact preferences")
        constraints = [
            models.CheckConstraint(
                condition=Q(use_email=True) | Q(use_sms=True) | Q(use_in_app=True) | Q(use_zalo=True),
                name="accounts_contactpreference_one_channel",
                violation_error_message=_("Choose at least one way to reach you."),
            )
        ]

    def __str__(self):
        return str(self.user_id)


class Consent(models.Model):
    """A person's answer for one purpose of contact on one channel: given or refused, and when.

    One row per person, purpose and channel, changed in place (``at`` is the last change) and only
    through ``accounts.consent.services`` (every change is also appended to ``ConsentRecord``).
    Campaigns are asked per channel (``accounts.consent.channels``) and need consent given:
    silence is not consent. Service notices (course nudges, certificate notices) are answered for
    every channel at once (``channel`` empty, ``ANY_CHANNEL``) and are sent unless refused
    (``DEFAULTS``), on the person's reminder channels.
    """

    class Purpose(models.TextChoices):
        COURSE_NUDGES = "course_nudges", _("Reminders to finish a course I started")
        CERTIFICATE_NOTICES = "certificate_notices", _("Notices about my certificates")
        CAMPAIGNS = "campaigns", _("News about digital public services")

    # What applies when the person never answered.
    DEFAULTS = {Purpose.COURSE_NUDGES: True, Purpose.CERTIFICATE_NOTICES: True, Purpose.CAMPAIGNS: False}
    # Purposes asked channel by channel (the others: one answer for every channel).
    PER_CHANNEL = (Purpose.CAMPAIGNS,)
    ANY_CHANNEL = ""

    user = models.ForeignKey(User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=30, choices=Purpose.choices)
    channel = models.CharField(
        _("channel"), max_length=20, blank=True, default="", help_text=_("Empty: every channel.")
    )
    granted = models.BooleanField(_("given"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    source = models.CharField(_("how it was given"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "purpose", "channel"], name="accounts_consent_once_per_purpose_channel"
            )
        ]
        indexes = [models.Index(fields=["purpose", "channel", "granted"], name="accounts_consent_purp_chan")]

    def __str__(self):
        return f"{self.user_id}: {self.purpose}/{self.channel or '*'} {'+' if self.granted else '-'}"


# The auth event log and the consent record live in their own modules; imported so that Django
# finds the models in this app.
from .audit.models import AuthEvent  # noqa: E402
from .codes.models import OneTimeCode  # noqa: E402
from .consent.models import ConsentRecord  # noqa: E402
from .profile.models import EmailChange  # noqa: E402
from .tokens.models import PersonalAccessToken  # noqa: E402

__all__ = [
    "AuthEvent",
    "Consent",
    "ConsentRecord",
    "ContactPreference",
    "EmailChange",
    "OneTimeCode",
    "OrganisationUnit",
    "PersonalAccessToken",
    "RosterImport",
    "User",
]
