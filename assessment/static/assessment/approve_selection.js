// The approval form on the month page: "All" ticks or clears every item to explain at once,
// so one explanation can be written for a selection.
(function () {
  "use strict";
  var table = document.querySelector("[data-approve-blockers]");
  if (!table) return;
  var all = table.querySelector("[data-select-all]");
  var boxes = table.querySelectorAll("tbody input[type=checkbox]");
  if (!all) return;
  all.addEventListener("change", function () {
    boxes.forEach(function (box) { box.checked = all.checked; });
  });
})();
