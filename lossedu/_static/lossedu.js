/* lossedu site fixes, loaded on every page.
 *
 * Navigation on phones and tablets: the pinned sphinx-book-theme 1.3 and
 * pydata-sphinx-theme 0.17 bind their sidebar handlers to the *first*
 * .primary-toggle / .secondary-toggle on the page, which sits in the hidden top
 * header. The buttons a reader actually sees are in the article header and get
 * no handler, so below 960 px the chapter list could not be opened at all. Here a
 * click on a visible toggle is forwarded to the one that has the handlers.
 */
(function () {
  "use strict";
  function forward(selector) {
    var all = Array.prototype.slice.call(document.querySelectorAll(selector));
    if (all.length < 2) return;
    var handled = all[0];
    all.slice(1).forEach(function (button) {
      button.addEventListener("click", function (event) {
        event.preventDefault();
        event.stopImmediatePropagation();
        handled.click();
      }, true);
    });
  }
  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }
  ready(function () {
    forward(".primary-toggle");
    forward(".secondary-toggle");
  });
})();
