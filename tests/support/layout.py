"""Layout checks axe-core does not make: a page at a phone's width must not scroll sideways."""

from playwright.sync_api import Error as PlaywrightError

PHONE_VIEWPORT = {"width": 360, "height": 740}


def sideways_overflow(tab) -> dict | None:
    """None if the page fits its viewport's width; else the widths and the widest elements that stick out.

    Measured on a loaded document: right after a form's POST the tab may be between the redirect and the page
    it leads to (no document yet, or one about to be replaced), so that is waited out, a few times at most.
    """
    for _ in range(5):
        tab.wait_for_load_state("load")
        try:
            overflow = tab.evaluate(_OVERFLOW_SCRIPT)
        except PlaywrightError as error:  # the document was replaced while it was being measured
            if "context was destroyed" not in str(error) and "navigat" not in str(error):
                raise
            continue
        if overflow != "loading":
            return overflow
        tab.wait_for_timeout(100)
    raise AssertionError(f"{tab.url} never finished loading")


_OVERFLOW_SCRIPT = """() => {
            if (document.readyState !== 'complete' || !document.documentElement || !document.body) return 'loading';
            const inner = window.innerWidth, scroll = document.documentElement.scrollWidth;
            if (scroll <= inner) return null;
            const wide = [...document.querySelectorAll('body *')]
                .filter(el => el.getBoundingClientRect().right > inner + 0.5)
                .slice(0, 5)
                .map(el => {
                    const classes = typeof el.className === 'string' ? el.className.trim() : '';
                    const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                        (classes ? '.' + classes.split(/\\s+/).join('.') : '');
                    return name + ' right=' + Math.round(el.getBoundingClientRect().right);
                });
            return {url: location.pathname, innerWidth: inner, scrollWidth: scroll, elements: wide};
        }"""


def assert_no_sideways_scroll(tab) -> None:
    """Fails with what sticks out when the page scrolls sideways (``scrollWidth > innerWidth``)."""
    overflow = sideways_overflow(tab)
    assert overflow is None, f"the page scrolls sideways: {overflow}"
