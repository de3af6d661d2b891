// The month page's compute progress bar: polls the page's JSON every 2 s while the compute
// is queued or running, and reloads the page when it has finished (done or failed).
(function () {
  "use strict";
  var box = document.querySelector("[data-progress]");
  if (!box) return;
  var state = box.getAttribute("data-state");
  if (state !== "queued" && state !== "running") return;
  var url = box.getAttribute("data-progress-url");
  var bar = box.querySelector("progress");
  var percent = box.querySelector("[data-progress-percent]");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        bar.value = data.percent;
        percent.textContent = data.percent + "%";
        if (data.state === "queued" || data.state === "running") {
          window.setTimeout(poll, 2000);
        } else {
          window.location.reload();
        }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 2000);
})();
