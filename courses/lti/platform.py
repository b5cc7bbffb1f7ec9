"""The tool's side of pylti1p3: registrations from django-lti's tables, signed with our key, and the launch checks.

Stricter than django-lti's own ``DjangoToolConfig``: an unknown or inactive deployment is refused
(django-lti would create it), and a launch is checked beyond pylti1p3 (the nonce is used once, ``aud``
and ``azp`` per OIDC Core §3.1.3.7). Every failure is a ``LaunchRefused`` with a translated reason.
"""

import hashlib
from typing import Any

import requests
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from lti_tool.models import LtiDeployment, LtiRegistration
from lti_tool.utils import DjangoToolConfig
from pylti1p3.contrib.django import DjangoCacheDataStorage, DjangoMessageLaunch, DjangoOIDCLogin
from pylti1p3.deployment import Deployment
from pylti1p3.exception import LtiException, OIDCException
from pylti1p3.registration import Registration
from pylti1p3.service_connector import ServiceConnector

from .keys import tool_key_required

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
NONCE_USED_SECONDS = 24 * 3600


class LaunchRefused(Exception):
    """A message from a platform we do not accept; ``reason`` is shown (translated), ``detail`` is logged."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(detail or str(reason))
        self.reason = reason
        self.detail = detail


class TimeoutSession(requests.Session):
    """Every call to a platform (keys, token, names and roles, scores) gives up after LTI_SERVICE_TIMEOUT."""

    def request(self, method, url, **kwargs):  # type: ignore[override]
        kwargs.setdefault("timeout", settings.LTI_SERVICE_TIMEOUT)
        return super().request(method, url, **kwargs)


def registration_build(registration: LtiRegistration) -> Registration:
    """pylti1p3's view of a platform, with the tool's key (never django-lti's keys table)."""
    key = tool_key_required()
    built = (
        Registration()
        .set_issuer(registration.issuer)
        .set_client_id(registration.client_id)
        .set_auth_login_url(registration.auth_url)
        .set_auth_token_url(registration.token_url)
        .set_key_set_url(registration.keyset_url)
        .set_tool_private_key(key.private_pem)
        .set_tool_public_key(key.public_pem)
    )
    if registration.audience:
        built.set_auth_audience(registration.audience)
    return built


def service_connector(registration: LtiRegistration) -> ServiceConnector:
    """OAuth 2 client credentials with a signed JWT assertion (RFC 7523), for NRPS and AGS."""
    return ServiceConnector(registration_build(registration), TimeoutSession())


class ToolConfig(DjangoToolConfig):
    """Registrations and deployments from django-lti's tables; nothing is ever created on a launch."""

    def _registration(self, lookups: dict[str, Any]) -> Registration | None:
        if self.registration_uuid is not None:
            lookups["uuid"] = self.registration_uuid
        found = list(LtiRegistration.objects.active().filter(**lookups)[:2])
        if len(found) != 1:
            return None  # unknown, or one issuer with several client ids and none named
        self.registration = found[0]
        return registration_build(self.registration)

    def find_registration_by_issuer(self, iss, *args, **kwargs):
        return self._registration({"issuer": iss})

    def find_registration_by_params(self, iss, client_id, *args, **kwargs):
        lookups: dict[str, Any] = {"issuer": iss}
        if client_id:
            lookups["client_id"] = client_id
        return self._registration(lookups)

    def find_deployment(self, iss, deployment_id):
        return self.find_deployment_by_params(iss, deployment_id, None)

    def find_deployment_by_params(self, iss, deployment_id, client_id, *args, **kwargs):
        if self.registration is None:
            return None
        self.deployment = LtiDeployment.objects.filter(
            registration=self.registration, deployment_id=deployment_id, is_active=True
        ).first()
        if self.deployment is None:
            return None
        return Deployment().set_deployment_id(deployment_id)


# What pylti1p3 says, and what we tell the person (its messages are English and technical).
_REASONS = (
    ("state", _("This launch has expired or was already used. Open the activity again from your course.")),
    ("cookie", _("This launch has expired or was already used. Open the activity again from your course.")),
    ("nonce", _("This launch was already used. Open the activity again from your course.")),
    ("registration", _("This platform is not registered with Kỹ Năng Số.")),
    ("client id", _("This platform is not registered with Kỹ Năng Số.")),
    ("deployment", _("This deployment of the tool is not registered or not active.")),
    ("expired", _("This launch has expired. Open the activity again from your course.")),
    ("signature", _("The platform's signature on this launch is not valid.")),
    ("public key", _("The platform's signature on this launch is not valid.")),
    ("kid", _("The platform's signature on this launch is not valid.")),
    ("decode", _("The platform's signature on this launch is not valid.")),
)


def _reason(error: Exception) -> str:
    text = str(error).lower()
    for needle, reason in _REASONS:
        if needle in text:
            return str(reason)
    return str(_("The platform sent a launch we cannot accept."))


def _audience_check(data: dict, client_id: str) -> None:
    aud = data.get("aud")
    audiences = aud if isinstance(aud, list) else [aud]
    if client_id not in audiences:
        raise LaunchRefused(str(_("This launch was meant for another tool.")), "aud does not hold our client id")
    azp = data.get("azp")
    if (len(audiences) > 1 or azp is not None) and azp != client_id:
        raise LaunchRefused(str(_("This launch was meant for another tool.")), "azp is not our client id")


def _nonce_use(nonce: str) -> None:
    """The nonce works once (pylti1p3 only checks that we issued it): an atomic add in the shared cache."""
    key = "lti-nonce-used:" + hashlib.sha256(nonce.encode()).hexdigest()
    if not cache.add(key, 1, NONCE_USED_SECONDS):
        raise LaunchRefused(str(_("This launch was already used. Open the activity again from your course.")), "nonce")


def oidc_login(request: HttpRequest, *, registration_uuid: str | None, launch_url: str):
    """The third-party initiated login (LTI 1.3 core §4.1): the redirect to the platform's auth endpoint."""
    login = DjangoOIDCLogin(request, ToolConfig(registration_uuid), launch_data_storage=DjangoCacheDataStorage())
    try:
        return login.redirect(launch_url)
    except (OIDCException, LtiException) as error:
        raise LaunchRefused(_reason(error), str(error)) from error


def launch_validate(request: HttpRequest) -> tuple[dict, LtiRegistration, LtiDeployment]:
    """The id_token's checks (LTI 1.3 core §5.1.3, Security Framework §5.1.3); the claims, platform, deployment."""
    config = ToolConfig()
    try:
        launch = DjangoMessageLaunch(
            request, config, launch_data_storage=DjangoCacheDataStorage(), requests_session=TimeoutSession()
        )
        launch.validate()
        data = dict(launch.get_launch_data())
    except LtiException as error:
        raise LaunchRefused(_reason(error), str(error)) from error
    except requests.RequestException as error:
        raise LaunchRefused(str(_("The platform's keys could not be fetched. Try again later.")), str(error)) from error
    except (AttributeError, KeyError, TypeError, ValueError) as error:  # a claim of the wrong shape (pylti1p3's checks)
        raise LaunchRefused(str(_("The platform sent a launch we cannot accept.")), repr(error)) from error
    if config.registration is None or config.deployment is None:
        raise LaunchRefused(str(_("This platform is not registered with Kỹ Năng Số.")), "no registration")
    _audience_check(data, config.registration.client_id)
    if data.get(CLAIM + "version") != "1.3.0":
        raise LaunchRefused(str(_("The platform sent a launch we cannot accept.")), "version is not 1.3.0")
    if not data.get("sub"):
        raise LaunchRefused(str(_("Anonymous launches are not supported: the platform must send the person.")), "sub")
    _nonce_use(str(data.get("nonce")))
    return data, config.registration, config.deployment
