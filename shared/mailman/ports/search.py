"""Search: a page of the messages a query matches, in the order `domain/search.py` states."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from mailman.domain.search import SearchPage, SearchRequest


class SearchIndex(Protocol):
    def search(self, request: SearchRequest) -> SearchPage:
        """The page of matches after `request.after` (the first page without it): matches
        of the organisation's mail, or of `request.inbox_id`'s, outside trash and spam unless
        the query names them; never quarantined mail. Ranked within bands of the `BAND`
        newest matches, band after band, newest band first; each hit with a snippet of its
        text around what matched."""
        ...
