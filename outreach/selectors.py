"""Reads for outreach views."""


def _live_campaigns():
    from core.published import public_q

    from .models import CampaignPage

    return CampaignPage.objects.live().filter(public_q())


def campaigns_running(day, *, under=None):
    """Live, public campaigns running on ``day``, ending soonest first (one query)."""
    campaigns = _live_campaigns().filter(starts_on__lte=day, ends_on__gte=day)
    if under is not None:
        campaigns = campaigns.descendant_of(under)
    return list(campaigns.order_by("ends_on", "title"))


def campaigns_listed(index, day, *, past_count=12):
    """The campaign index's lists on ``day``: running (ending soonest first), upcoming (soonest
    first), and the latest ``past_count`` ended ones (one query)."""
    running, upcoming, ended = [], [], []
    for campaign in _live_campaigns().child_of(index).order_by("starts_on", "title"):
        state = campaign.state_on(day)
        {"running": running, "upcoming": upcoming, "ended": ended}[state].append(campaign)
    running.sort(key=lambda campaign: (campaign.ends_on, campaign.title))
    ended.sort(key=lambda campaign: campaign.ends_on, reverse=True)
    return {"running": running, "upcoming": upcoming, "ended": ended[:past_count]}
