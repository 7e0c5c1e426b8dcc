// Ranking on a phone: Up and Down buttons beside each candidate put them in order and
// renumber the inputs, which stay the ballot (the form works the same without this script).
(function () {
  "use strict";
  function setup(form) {
    var list = form.querySelector(".rank-list");
    var status = form.querySelector("#rank-status");
    if (!list) { return; }
    form.querySelectorAll(".js-only").forEach(function (el) { el.hidden = false; });
    function renumber(moved) {
      var input = moved.querySelector("input");
      if (input.value === "") { input.value = "0"; }
      var n = 0;
      list.querySelectorAll(".rank-item").forEach(function (item) {
        var box = item.querySelector("input");
        if (box.value !== "") { n += 1; box.value = String(n); }
      });
      var label = moved.querySelector("label").textContent.trim();
      var words = form.getAttribute("data-moved") || "{name}: {n}";
      if (status) { status.textContent = words.replace("{name}", label).replace("{n}", input.value); }
    }
    list.addEventListener("click", function (event) {
      var button = event.target.closest("button");
      if (!button) { return; }
      var item = button.closest(".rank-item");
      if (button.classList.contains("move-up") && item.previousElementSibling) {
        list.insertBefore(item, item.previousElementSibling);
      } else if (button.classList.contains("move-down") && item.nextElementSibling) {
        list.insertBefore(item.nextElementSibling, item);
      }
      renumber(item);
      button.focus();
    });
  }
  document.querySelectorAll("form.ranking").forEach(setup);
})();
