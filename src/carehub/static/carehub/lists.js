/* List pages: a "select all on this page" box for the row checkboxes of a bulk action.
 *
 * The box (th input[data-select-all="NAME"]) is hidden until this script runs, since
 * without it the box would do nothing; it ticks or clears every row box with
 * data-bulk="NAME" in the same form and shows as mixed when only some are ticked.
 * Served from 'self': the Content Security Policy allows no inline script.
 */
(function () {
  "use strict";

  function rowsOf(all) {
    var form = all.closest("form");
    var name = all.getAttribute("data-select-all");
    return form ? form.querySelectorAll('input[type=checkbox][data-bulk="' + name + '"]') : [];
  }

  function sync(all) {
    var boxes = rowsOf(all);
    var ticked = 0;
    boxes.forEach(function (b) { if (b.checked) { ticked += 1; } });
    all.checked = boxes.length > 0 && ticked === boxes.length;
    all.indeterminate = ticked > 0 && ticked < boxes.length;
  }

  function setUp() {
    document.querySelectorAll("input[data-select-all]").forEach(function (all) {
      all.hidden = false;
      sync(all);
      all.addEventListener("change", function () {
        rowsOf(all).forEach(function (b) { b.checked = all.checked; });
        all.indeterminate = false;
      });
      rowsOf(all).forEach(function (b) {
        b.addEventListener("change", function () { sync(all); });
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
}());
