"""Personal data of the LTI tool (``ACCOUNTS_PERSONAL_DATA_PROVIDERS``, see ``accounts.personal_data``).

Export: the platforms' identities linked to the person, and the scores sent back. Erasure: the links, the
scores' record and django-lti's copy of what the platforms said about them (name, e-mail) go; what a
platform keeps of its own stays with it (docs/lti.md).
"""

from lti_tool.models import LtiUser

from core.localtime import moment_iso

from .models import LtiAccount, LtiEntryTicket, LtiScore


def export(user):
    return {
        "lti_accounts": [
            {
                "issuer": a.issuer,
                "subject": a.subject,
                "created_at": moment_iso(a.created_at),
                "last_launch_at": moment_iso(a.last_launch_at),
            }
            for a in LtiAccount.objects.filter(user=user).order_by("created_at")
        ],
        "lti_scores": [
            {
                "course": s.target.course.title,
                "platform": s.target.registration.name,
                "score_given": s.score_given,
                "score_maximum": s.score_maximum,
                "sent_at": moment_iso(s.sent_at),
            }
            for s in LtiScore.objects.filter(target__account__user=user).select_related(
                "target__course", "target__registration"
            )
        ],
        "lti_platform_profiles": [
            {"name": u.name, "given_name": u.given_name, "family_name": u.family_name, "email": u.email}
            for u in LtiUser.objects.filter(auth_user=user)
        ],
    }


def erase(user):
    LtiScore.objects.filter(target__account__user=user).delete()
    LtiAccount.objects.filter(user=user).delete()
    LtiEntryTicket.objects.filter(user=user).delete()
    LtiUser.objects.filter(auth_user=user).delete()
