// Another country's articles differ: changing the country clears the article and compares again.
(function () {
  "use strict";
  var form = document.getElementById("lm-form");
  if (!form) { return; }
  var country = form.querySelector("select[name=country]");
  country.addEventListener("change", function () {
    form.elements.article.value = "";
    form.submit();
  });
})();
