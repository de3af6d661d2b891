// The audience fields' live count (course assignments, exams): how many active people match.
(function () {
  "use strict";
  function setUp() {
    var holder = document.querySelector("[data-audience-count-url]");
    if (!holder) return;
    var form = holder.closest("form");
    var output = holder.querySelector("[data-audience-count]");
    var timer = null;
    function refresh() {
      var params = new URLSearchParams();
      ["centres", "posts", "vendors"].forEach(function (name) {
        form.querySelectorAll('input[name="' + name + '"]:checked').forEach(function (box) {
          params.append(name, box.value);
        });
      });
      var named = form.querySelector('[name="individual_staff_nos"]');
      if (named) params.append("individual_staff_nos", named.value);
      fetch(holder.dataset.audienceCountUrl + "?" + params.toString(), { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (data) { output.textContent = data.count; })
        .catch(function () { output.textContent = "—"; });
    }
    form.addEventListener("change", function () { clearTimeout(timer); timer = setTimeout(refresh, 200); });
    form.addEventListener("input", function (event) {
      if (event.target.name === "individual_staff_nos") { clearTimeout(timer); timer = setTimeout(refresh, 400); }
    });
    refresh();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
