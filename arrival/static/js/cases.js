// The bulk form of the clarification queue: the result list offers only the
// results that fit every selected item's topic (the server checks again).
(function () {
  "use strict";
  var select = document.getElementById("bulk-resolution");
  if (!select) { return; }
  var boxes = Array.prototype.slice.call(document.querySelectorAll("input[name=item][data-topic]"));
  function update() {
    var topics = boxes.filter(function (box) { return box.checked; })
      .map(function (box) { return box.dataset.topic; });
    Array.prototype.forEach.call(select.options, function (option) {
      if (!option.value) { return; }
      var fits = option.dataset.topics.split(" ");
      var ok = topics.every(function (topic) { return fits.indexOf(topic) !== -1; });
      option.hidden = !ok;
      option.disabled = !ok;
      if (!ok && option.selected) { select.value = ""; }
    });
  }
  boxes.forEach(function (box) { box.addEventListener("change", update); });
  update();
})();
