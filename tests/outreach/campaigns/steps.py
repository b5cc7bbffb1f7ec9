"""Browser steps of the campaign tests: what an officer, a lead and a recipient do, one function each.

Labels are read from the message catalogue (``gettext`` in the language the page is in), so the steps
work whichever language the page is shown in.
"""

import re

from django.utils.translation import gettext, ngettext
from playwright.sync_api import expect

from outreach.campaigns.admin_results import FUNNEL


def footer_menu(tab):
    """Open the page editor's footer action menu (beside "Save draft")."""
    tab.locator("footer .w-dropdown--dropdown-button .w-dropdown__toggle").click()


def campaign_write(tab, base, index, *, title, goal, starts_on, ends_on, target_kind, target_title, button_text):
    """In the page editor: a campaign under ``index`` with one call to action chosen in the page chooser.

    ``target_kind`` is the call to action's block label in English ("Course", "Tutorial").
    """
    tab.goto(f"{base}/admin/pages/add/outreach/campaignpage/{index.pk}/")
    tab.locator("#id_title").fill(title)
    tab.locator("#id_goal").fill(goal)
    tab.locator("#id_starts_on").fill(starts_on.isoformat())
    tab.locator("#id_ends_on").fill(ends_on.isoformat())
    tab.keyboard.press("Escape")
    calls = tab.locator("[data-contentpath='calls_to_action']")
    calls.locator("button.c-sf-add-button").first.click()
    kind = re.compile(f"^\\s*({re.escape(target_kind)}|{re.escape(gettext(target_kind))})\\s*$")
    tab.get_by_role("option", name=kind).first.click()
    calls.locator("input[name$='-value-label']").fill(button_text)
    calls.locator("button.chooser__choose-button").first.click()
    modal = tab.locator(".modal-dialog")
    modal.locator("input[name=q]").fill(target_title)
    modal.get_by_role("link", name=target_title).first.click()
    expect(calls.locator(".chooser__title").first).to_have_text(target_title)


def page_submit_for_moderation(tab, title):
    """Submit the page being edited to its workflow: the officer has no publish button."""
    expect(tab.locator("button[name='action-publish']")).to_have_count(0)
    footer_menu(tab)
    tab.locator("button[name='action-submit']").click()
    expect(tab.locator(".messages")).to_contain_text(title)


def page_approve(tab, base, page_id, title):
    """The reviewer opens the page in the editor and approves its workflow task (which publishes it)."""
    tab.goto(f"{base}/admin/pages/{page_id}/edit/")
    footer_menu(tab)
    tab.locator("footer button[data-workflow-action-name='approve']:not([data-workflow-action-modal-url])").click()
    expect(tab.locator(".messages")).to_contain_text(title)


def segment_create(tab, base, *, name, learner_kind, expect_total, expect_consenting):
    """A segment by learner kind: counted with "Count" (the live count) before it is saved."""
    tab.goto(base + "/admin/campaigns/segments/new/")
    tab.locator("#id_name").fill(name)
    tab.locator("#id_learner_kind").select_option(learner_kind)
    tab.locator("button[name=count]").click()
    count = tab.locator("#live-count")
    expect(count).to_contain_text(
        ngettext("%(counter)s person matches these rules", "%(counter)s people match these rules", expect_total)
        % {"counter": expect_total}
    )
    expect(count).to_contain_text(
        ngettext(
            "(%(counter)s of them agreed to campaign news on a channel we can reach them on).",
            "(%(counter)s of them agreed to campaign news on a channel we can reach them on).",
            expect_consenting,
        )
        % {"counter": expect_consenting}
    )
    tab.locator("footer button[type=submit]").first.click()
    expect(tab).to_have_url(re.compile(r"/admin/campaigns/segments/$"))


def message_fill(tab, *, campaign_title, name, segment, email_subject, email_body, sms_body, in_app_body):
    tab.locator("#id_campaign").select_option(label=campaign_title)
    tab.locator("#id_name").fill(name)
    tab.locator("#id_segment").select_option(label=segment)
    tab.locator("#id_email_subject").fill(email_subject)
    tab.locator("#id_email_body").fill(email_body)
    tab.locator("#id_sms_body").fill(sms_body)
    tab.locator("#id_in_app_body").fill(in_app_body)
    tab.locator("footer button[type=submit]").first.click()


def message_send(tab, base, message_id, *, expect_consenting):
    """The send page shows who will receive it; "Send now" queues it for the worker."""
    tab.goto(f"{base}/admin/campaigns/messages/send/{message_id}/")
    expect(tab.locator("#segment-consenting")).to_have_text(str(expect_consenting))
    tab.locator("button[name=send]").click()
    expect(tab).to_have_url(re.compile(rf"/admin/campaigns/messages/edit/{message_id}/$"))


def tracked_link(body):
    """The first tracked link (``/r/<token>/``) in a delivered message."""
    match = re.search(r"/r/[^\s/]+/", body)
    assert match, body
    return match.group(0)


def results_read(tab, base, campaign_title):
    """Open the campaign's results from the admin menu; the results table as {measure key: number}."""
    tab.goto(base + "/admin/")
    tab.get_by_role("button", name=gettext("Campaigns"), exact=True).click()
    tab.get_by_role("link", name=gettext("Campaign results"), exact=True).click()
    tab.get_by_role("link", name=campaign_title).click()
    table = tab.locator("#campaign-results")
    expect(table).to_be_visible()
    figures = {}
    for key, label in FUNNEL:
        row = table.locator("tbody tr").filter(has=tab.get_by_role("rowheader", name=str(label), exact=True))
        figures[key] = int(row.locator("td").inner_text())
    return figures
