/* htmx forms that fail keep what was typed and say why, beside the form.
 *
 * A view answers a refused htmx submission with 400, 409 or 422 and a small fragment
 * (templates/_form_errors.html). htmx leaves 4xx answers unswapped by default, so the
 * message never reached the page; here such an answer goes into the submitting form's
 * [data-form-errors] region (role="alert", so screen readers announce it) instead of the
 * form's own hx-target, and the inputs are left as they were. Served from 'self': the
 * Content Security Policy allows no inline script.
 */
(function () {
  "use strict";
  var SHOWN = { 400: true, 409: true, 422: true };

  // The element that sent the request (detail.elt is the target in htmx:beforeSwap).
  function sender(detail) {
    return (detail.requestConfig && detail.requestConfig.elt) || detail.elt;
  }

  function regionFor(elt) {
    var form = elt && elt.closest ? elt.closest("form") : null;
    return form ? form.querySelector("[data-form-errors]") : null;
  }

  document.addEventListener("htmx:beforeRequest", function (evt) {
    var region = regionFor(sender(evt.detail));
    if (region) { region.replaceChildren(); }
  });

  document.addEventListener("htmx:beforeSwap", function (evt) {
    var detail = evt.detail;
    if (!detail.xhr || !SHOWN[detail.xhr.status]) { return; }
    var region = regionFor(sender(detail));
    if (!region) { return; }
    detail.shouldSwap = true;
    detail.isError = false;
    detail.target = region;
    detail.swapOverride = "innerHTML";
  });
}());
