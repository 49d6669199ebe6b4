// The desk's pre-registration field: a handheld scanner types the token and Enter
// (the form submits by itself); the camera (jsQR from the lock file) fills the
// field and submits when it reads a pre-registration code.
(function () {
  "use strict";
  var form = document.querySelector("form.prereg-open");
  if (!form) { return; }
  var input = form.querySelector("#code");
  var toggle = form.querySelector(".camera-toggle");
  var video = form.querySelector("video.camera");
  if (!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.jsQR)) { return; }
  toggle.hidden = false;
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var stream = null;
  var tick = function () {
    if (!stream) { return; }
    if (video.readyState === video.HAVE_ENOUGH_DATA) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var found = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
      if (found && found.data && found.data.indexOf("PRE1-") === 0) {
        stream.getTracks().forEach(function (track) { track.stop(); });
        stream = null;
        input.value = found.data;
        form.submit();
        return;
      }
    }
    window.requestAnimationFrame(tick);
  };
  toggle.addEventListener("click", function () {
    if (stream) {
      stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
      video.hidden = true;
      return;
    }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (media) {
      stream = media;
      video.srcObject = media;
      video.hidden = false;
      video.play();
      window.requestAnimationFrame(tick);
    }).catch(function () { toggle.hidden = true; });
  });
})();
