// Focus: the error summary when the form came back with errors, else the first empty field.
(function () {
  var summary = document.getElementById("form-errors");
  if (summary) { summary.focus(); return; }
  var first = document.querySelector("main form input:not([type=hidden]):not([value])");
  if (first) { first.focus(); }
})();
