// One camera loop for every page that reads QR codes — the scan station, the gate,
// boarding at the bus, the pre-registration desk: the back camera's frames through
// jsQR (from the lock file). A page calls
//   window.arrivalCameraScan({ toggle, video, onCode, accept, stopOnRead })
// toggle: the button that starts and stops the camera (shown only where the browser
// has a camera and jsQR is loaded); onCode(text): a code was read; accept(text): only
// such codes count (default: any); stopOnRead: the camera stops after the first code
// (the desk submits its form). The same code again counts only after four seconds
// (a card held in front of the camera is one scan, not sixty).
(function () {
  "use strict";

  var SAME_CODE_PAUSE_MS = 4000;

  function available() {
    return !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.jsQR);
  }

  function attach(options) {
    var toggle = options.toggle;
    var video = options.video;
    if (!toggle || !video || !available()) { return null; }
    var accept = options.accept || function () { return true; };
    toggle.hidden = false;
    var canvas = document.createElement("canvas");
    var context = canvas.getContext("2d", { willReadFrequently: true });
    var stream = null;
    var lastCode = "";
    var lastAt = 0;

    function stop() {
      if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); }
      stream = null;
      video.hidden = true;
    }

    function read() {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var found = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
      return found && found.data && accept(found.data) ? found.data : null;
    }

    function tick() {
      if (!stream) { return; }
      if (video.readyState === video.HAVE_ENOUGH_DATA) {
        var code = read();
        var now = Date.now();
        if (code && (code !== lastCode || now - lastAt > SAME_CODE_PAUSE_MS)) {
          lastCode = code;
          lastAt = now;
          if (options.stopOnRead) { stop(); }
          options.onCode(code);
          if (!stream) { return; }
        }
      }
      window.requestAnimationFrame(tick);
    }

    toggle.addEventListener("click", function () {
      if (stream) { stop(); return; }
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (media) {
        stream = media;
        video.srcObject = media;
        video.hidden = false;
        video.play();
        window.requestAnimationFrame(tick);
      }).catch(function () { toggle.hidden = true; });
    });
    return { stop: stop };
  }

  window.arrivalCameraScan = attach;
})();
