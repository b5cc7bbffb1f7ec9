"""Admin pages that read what a campaign message did: its delivery log and the campaign's results (the funnel as a
table, a server-drawn SVG chart and a CSV). Wired into the campaign messages' viewset in ``campaigns/admin.py``."""

import tablib
from django.contrib.admin.utils import quote, unquote
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.views.generic import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin

from core.exports import export_response
from core.localtime import datetime_display
from outreach.delivery.kinds import reason_label
from outreach.delivery.models import Delivery

from .models import CAMPAIGN_KIND, CampaignMessage, CampaignPage
from .selectors import campaign_results


class MessageActionView(PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView):
    model = CampaignMessage
    header_icon = "mail"
    index_url_name = edit_url_name = None

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.object = get_object_or_404(
            CampaignMessage.objects.select_related("campaign", "segment"), pk=unquote(str(kwargs["pk"]))
        )

    def get_page_subtitle(self):
        return str(self.object)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.index_url_name), "label": CampaignMessage._meta.verbose_name_plural.capitalize()},
            {"url": reverse(self.edit_url_name, args=[quote(self.object.pk)]), "label": str(self.object)},
            {"url": "", "label": self.get_page_title()},
        ]

    def back(self):
        return redirect(self.request.path)


def address_masked(address: str) -> str:
    """An address as the campaign's log shows it: enough to tell two apart, not enough to copy."""
    if not address:
        return "—"
    if "@" in address:
        name, _at, domain = address.partition("@")
        return f"{name[:1]}•••@{domain}"
    return f"•••{address[-3:]}"


class CampaignDeliveryLogView(MessageActionView):
    """The delivery log of one campaign message, for the communications staff who run the campaign.

    Only this message's rows (never reminders or other kinds, which stay with the training office's log), the
    recipients' addresses masked, counts per status; ``?status=`` narrows it, ``?p=`` pages it (bad values are
    read as "all" and as the nearest page, never an error page).
    """

    permission_required = "view"
    template_name = "outreach/campaigns/admin/campaign_delivery_log.html"
    page_title = _("Delivery log")
    per_page = 50

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = Delivery.objects.filter(kind=CAMPAIGN_KIND, subject_id=self.object.pk)
        counts = dict(rows.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
        status = self.request.GET.get("status", "")
        if status not in Delivery.Status.values:
            status = ""
        listed = rows.filter(status=status) if status else rows
        page = Paginator(
            listed.select_related("recipient").order_by("recipient__full_name", "pk"), self.per_page
        ).get_page(self.request.GET.get("p"))
        context.update(
            message=self.object,
            status=status,
            status_counts=[(value, label, counts.get(value, 0)) for value, label in Delivery.Status.choices],
            total=sum(counts.values()),
            page=page,
            rows=[
                {
                    "name": delivery.recipient.full_name if delivery.recipient_id else "—",
                    "channel": delivery.get_channel_display(),
                    "address": address_masked(delivery.address),
                    "status": delivery.get_status_display(),
                    "reason": reason_label(delivery.reason) if delivery.reason else "",
                    "sent_at": datetime_display(delivery.sent_at),
                    "read_at": datetime_display(delivery.read_at),
                }
                for delivery in page
            ],
        )
        return context


# Results -----------------------------------------------------------------------------------------

FUNNEL = (
    ("recipients", _("Recipients")),
    ("sent", _("Sent")),
    ("failed", _("Failed")),
    ("clicked", _("Clicked (people)")),
    ("page_views", _("Page views")),
    ("enrolments", _("Enrolments attributed")),
    ("completions", _("Completions attributed")),
)


FUNNEL_LABEL_CHARS = 44  # at 13 px in a 360-wide drawing; longer labels end in "…" (the table beside has them whole)


def funnel_svg_bars(results, width=360, bar_height=18, label_height=18, gap=12, value_room=56):
    """The funnel chart's layout (drawn as SVG by the template), scaled to the largest figure.

    Each measure's label is on its own line above its bar, so a label never runs into a bar
    whatever its length or the language; the bar's figure is after its end, inside the drawing
    (``value_room`` is kept free for it). The drawing is 360 wide: on a phone it is shown at about
    its own size, on a desktop no wider than the page's CSS allows (``campaign-funnel``).
    """
    largest = max([results[key] for key, _label in FUNNEL] + [1])
    step = label_height + bar_height + gap
    bars = []
    for position, (key, label) in enumerate(FUNNEL):
        value = results[key]
        length = round((width - value_room) * value / largest)
        length = max(length, 1 if value else 0)
        text = str(label)
        short = text if len(text) <= FUNNEL_LABEL_CHARS else text[: FUNNEL_LABEL_CHARS - 1] + "…"
        top = position * step
        bars.append(
            {
                "label": short,
                "full_label": text,
                "value": value,
                "label_y": top + label_height - 5,
                "y": top + label_height,
                "length": length,
                "text_x": length + 6,
                "text_y": top + label_height + bar_height - 4,
            }
        )
    return {"bars": bars, "width": width, "height": len(FUNNEL) * step, "bar_height": bar_height}


class CampaignResultsView(PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView):
    model = CampaignMessage
    permission_required = "view"
    template_name = "outreach/campaigns/admin/campaign_results.html"
    page_title = _("Campaign results")
    header_icon = "table"
    csv_url_name = index_url_name = deliveries_url_name = None

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.campaign = get_object_or_404(CampaignPage, pk=kwargs["campaign_id"])

    def get_page_subtitle(self):
        return self.campaign.title

    def get_breadcrumbs_items(self):
        # Without them Wagtail's header shows only "Home", and nothing on the page names the campaign.
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.index_url_name), "label": self.get_page_title()},
            {"url": "", "label": self.campaign.title},
        ]

    def get(self, request, *args, **kwargs):
        if request.GET.get("format") == "csv":
            return self.csv()
        return super().get(request, *args, **kwargs)

    def csv(self):
        results = campaign_results(campaign=self.campaign)
        dataset = tablib.Dataset(headers=[_gettext("Campaign"), _gettext("Measure"), _gettext("Value")])
        for key, label in FUNNEL:
            dataset.append([self.campaign.title, str(label), results[key]])
        for key, label in (("clicks", _("Clicks (all)")), ("touched", _("People who arrived from the campaign"))):
            dataset.append([self.campaign.title, str(label), results[key]])
        return export_response(dataset, "csv", f"campaign-{self.campaign.pk}-results", request=self.request)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        results = campaign_results(campaign=self.campaign)
        context.update(
            campaign=self.campaign,
            results=results,
            rows=[(label, results[key]) for key, label in FUNNEL],
            chart=funnel_svg_bars(results),
            csv_url=f"{self.request.path}?format=csv",
            messages_list=[
                (message, reverse(self.deliveries_url_name, args=[message.pk]))
                for message in CampaignMessage.objects.filter(campaign=self.campaign).select_related("segment")
            ],
        )
        return context


class CampaignResultsIndexView(PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView):
    model = CampaignMessage
    permission_required = "view"
    template_name = "outreach/campaigns/admin/campaign_results_index.html"
    page_title = _("Campaign results")
    header_icon = "table"
    results_url_name = None

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["campaigns"] = [
            (campaign, reverse(self.results_url_name, args=[campaign.pk]))
            for campaign in CampaignPage.objects.order_by("-starts_on", "title")
        ]
        return context
