"""Wagtail pages for the tests of every app."""

from wagtail.models import Page


def page_add(parent, page):
    """Add ``page`` under ``parent`` and publish it."""
    parent = Page.objects.get(pk=parent.pk)
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page
