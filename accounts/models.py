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

    def save(self, *args, **kwargs):
        # Keep one canonical form whatever path the data came through.
        self.email = self.email.strip().lower() if self.email else None
        self.phone = (phone_normalise(self.phone) or self.phone) if self.phone else None
        super().save(*args, **kwargs)

    @property
    def has_privacy_consent(self):
        return self.privacy_consent_at is not None
