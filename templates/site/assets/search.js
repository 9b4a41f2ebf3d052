// Pagefind's UI on the search page; a query from the header's search form (?q=) runs at once.
(function () {
  var ui = new PagefindUI({ element: '#search', showSubResults: true, showImages: false, resetStyles: false });
  // Pagefind labels its box only with a title (the placeholder); give it a real accessible name.
  var input = document.querySelector('#search .pagefind-ui__search-input');
  if (input) input.setAttribute('aria-label', 'Words to search for');
  var query = new URLSearchParams(window.location.search).get('q');
  if (query) ui.triggerSearch(query);
})();
