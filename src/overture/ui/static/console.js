// The exception queue's bulk menu offers only what every selected row allows. Each row's checkbox
// carries its actions (data-actions); with nothing selected, the menu offers what the page's rows allow
// (the server rendered it so). A static file, no inline script: the pages' CSP allows script-src 'self'.
// The server refuses a disallowed action anyway, with its reason: this only keeps the menu honest.
(function () {
  "use strict";

  function narrow(form) {
    var menu = form.querySelector("select[name=action]");
    if (!menu) return;
    var picked = Array.prototype.filter.call(form.ownerDocument.querySelectorAll("input[name=ids]"), function (box) {
      return box.checked && box.form === form;
    });
    var common = null;
    picked.forEach(function (box) {
      var mine = (box.dataset.actions || "").split(" ").filter(Boolean);
      common = common === null ? mine : common.filter(function (a) { return mine.indexOf(a) >= 0; });
    });
    Array.prototype.forEach.call(menu.options, function (option) {
      var allowed = option.value === "assign" || common === null || common.indexOf(option.value) >= 0;
      option.disabled = !allowed;
      option.hidden = !allowed;
    });
    if (menu.selectedOptions.length && menu.selectedOptions[0].disabled) menu.value = "assign";
    menu.dataset.common = common === null ? "" : common.join(" ");
  }

  function narrowAll() {
    Array.prototype.forEach.call(document.querySelectorAll("#bulk-form"), narrow);
  }

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box && box.name === "ids" && box.form) narrow(box.form);
  });
  // Rows come and go (filters, pages, a decided row shown again): look again after each swap.
  document.addEventListener("htmx:afterSettle", narrowAll);
  document.addEventListener("DOMContentLoaded", narrowAll);
})();
