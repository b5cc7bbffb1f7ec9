"""The content API's router (included at /api/v2/ by lms.urls)."""

from wagtail.api.v2.router import WagtailAPIRouter

from .endpoints import DocumentsEndpoint, ImagesEndpoint, PagesEndpoint

api_router = WagtailAPIRouter("wagtailapi")
api_router.register_endpoint("pages", PagesEndpoint)
api_router.register_endpoint("images", ImagesEndpoint)
api_router.register_endpoint("documents", DocumentsEndpoint)
