// The desk's pre-registration field: a handheld scanner types the token and Enter
// (the form submits by itself); the camera (js/camera-scan.js) fills the field and
// submits when it reads a pre-registration code.
(function () {
  "use strict";
  var form = document.querySelector("form.prereg-open");
  if (!form || !window.arrivalCameraScan) { return; }
  var input = form.querySelector("#code");
  window.arrivalCameraScan({
    toggle: form.querySelector(".camera-toggle"), video: form.querySelector("video.camera"),
    accept: function (code) { return code.indexOf("PRE1-") === 0; },
    stopOnRead: true,
    onCode: function (code) {
      input.value = code;
      form.submit();
    }
  });
})();
