from celery import shared_task


@shared_task
def transparency_refresh():
    """Compute the public transparency page's figures ahead of visitors (beat, every 15 minutes)."""
    from .views import transparency_figures

    transparency_figures(refresh=True)
