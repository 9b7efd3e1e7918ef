from rest_framework.pagination import CursorPagination

__all__ = ["PortalPagination"]


class PortalPagination(CursorPagination):
    """Cursor pagination: no COUNT(*) over large tables (see PERFORMANCE.md), stable under inserts."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
