"""Layout checks axe-core does not make: a page at a phone's width must not scroll sideways."""

PHONE_VIEWPORT = {"width": 360, "height": 740}


def sideways_overflow(tab) -> dict | None:
    """None if the page fits its viewport's width; else the widths and the widest elements that stick out."""
    return tab.evaluate(
        """() => {
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
    )


def assert_no_sideways_scroll(tab) -> None:
    """Fails with what sticks out when the page scrolls sideways (``scrollWidth > innerWidth``)."""
    overflow = sideways_overflow(tab)
    assert overflow is None, f"the page scrolls sideways: {overflow}"
