// Shows the reasons only for a bad rating; without JavaScript they are always shown.
(function () {
  var form = document.querySelector("[data-rate-form]");
  if (!form) return;
  var reasons = form.querySelector("[data-rate-reasons]");
  var bad = (form.getAttribute("data-bad-levels") || "").split(",");
  function update() {
    var chosen = form.querySelector("input[name=level]:checked");
    reasons.hidden = !(chosen && bad.indexOf(chosen.value) !== -1);
  }
  form.addEventListener("change", update);
  update();
})();
