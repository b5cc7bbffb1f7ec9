"""Site search."""

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.shortcuts import render
from django.views.decorators.http import require_safe

from core.params import text_param
from core.published import site_for_request

from .search.promotions import search_promotions_for
from .search.querylog import search_query_header
from .selectors import SEARCH_MAX_QUERY_LENGTH, pages_search

SEARCH_PAGE_SIZE = 10


@require_safe  # GET and HEAD only: OPTIONS and TRACE returned the whole page
def search(request):
    query = text_param(request.GET.get("q"), max_length=SEARCH_MAX_QUERY_LENGTH)
    page_obj = None
    if query:
        results = pages_search(query=query, site=site_for_request(request))
        paginator = Paginator(results, SEARCH_PAGE_SIZE)
        try:
            page_obj = paginator.page(request.GET.get("page", 1))
        except (PageNotAnInteger, EmptyPage):
            page_obj = paginator.page(1)
    first_page = page_obj is not None and page_obj.number == 1
    promotions = search_promotions_for(query=query, request=request) if first_page else []
    response = render(request, "home/search.html", {"query": query, "page_obj": page_obj, "promotions": promotions})
    if page_obj is not None and "page" not in request.GET:  # a search counted once, not once per page of results
        search_query_header(response, query=query, result_count=page_obj.paginator.count)
    return response
