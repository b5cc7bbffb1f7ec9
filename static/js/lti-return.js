// The deep-linking response goes back to the platform by itself (docs/lti.md); without JavaScript the
// page's button sends the same form. A file of our own, so the page keeps a CSP without inline script.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("lti-return");
  if (form) form.submit();
});
