// The optional photo of a person (PERSON_PHOTOS): the tablet camera, a frame cut to
// 3:4 and scaled down on the device to a small JPEG (at most data-max-pixels on each
// side and data-max-bytes), sent to the API. The server checks it again; its message
// appears at the field.
(function () {
  "use strict";

  var section = document.querySelector(".photo-section");
  if (!section || !window.fetch) { return; }
  var video = section.querySelector(".photo-video");
  var preview = section.querySelector(".photo-preview");
  var stored = section.querySelector(".photo-stored");
  var none = section.querySelector(".photo-none");
  var errors = section.querySelector("#photo-error");
  var status = section.querySelector(".photo-status");
  var buttons = {
    start: section.querySelector(".photo-start"), take: section.querySelector(".photo-take"),
    save: section.querySelector(".photo-save"), retake: section.querySelector(".photo-retake"),
    remove: section.querySelector(".photo-delete")
  };
  var maxPixels = parseInt(section.getAttribute("data-max-pixels"), 10) || 320;
  var maxBytes = parseInt(section.getAttribute("data-max-bytes"), 10) || 40960;
  var stream = null;
  var taken = null; // the data URL of the photo not yet saved

  function showOnly(names) {
    Object.keys(buttons).forEach(function (name) {
      if (buttons[name] && name !== "remove") { buttons[name].hidden = names.indexOf(name) < 0; }
    });
  }

  function setError(message) {
    errors.textContent = "";
    errors.hidden = !message;
    section.querySelector(".photo-field").classList.toggle("has-error", !!message);
    if (message) {
      var item = document.createElement("li");
      item.textContent = message;
      errors.appendChild(item);
    }
  }

  function stopCamera() {
    if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); }
    stream = null;
    video.hidden = true;
  }

  function startCamera() {
    setError("");
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      setError(section.getAttribute("data-no-camera"));
      return;
    }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "user", width: { ideal: 640 } }, audio: false })
      .then(function (media) {
        stream = media;
        video.srcObject = media;
        video.hidden = false;
        preview.hidden = true;
        if (stored) { stored.hidden = true; }
        if (none) { none.hidden = true; }
        return video.play();
      })
      .then(function () { showOnly(["take"]); buttons.take.focus(); })
      .catch(function () { stopCamera(); setError(section.getAttribute("data-no-camera")); });
  }

  // The centre of the frame at 3:4, no side longer than maxPixels.
  function frameCanvas() {
    var width = video.videoWidth, height = video.videoHeight;
    var cropWidth = Math.min(width, Math.round(height * 3 / 4));
    var cropHeight = Math.min(height, Math.round(cropWidth * 4 / 3));
    var scale = Math.min(1, maxPixels / cropHeight);
    var canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(cropWidth * scale));
    canvas.height = Math.max(1, Math.round(cropHeight * scale));
    canvas.getContext("2d").drawImage(video, (width - cropWidth) / 2, (height - cropHeight) / 2,
                                      cropWidth, cropHeight, 0, 0, canvas.width, canvas.height);
    return canvas;
  }

  function bytesOf(dataUrl) {
    var base64 = dataUrl.slice(dataUrl.indexOf(",") + 1);
    return Math.floor(base64.length * 3 / 4) - (base64.slice(-2) === "==" ? 2 : base64.slice(-1) === "=" ? 1 : 0);
  }

  // Lower the JPEG quality until the photo fits; a smaller frame as the last resort.
  function smallJpeg(canvas) {
    for (var quality = 0.85; quality >= 0.3; quality -= 0.1) {
      var url = canvas.toDataURL("image/jpeg", quality);
      if (bytesOf(url) <= maxBytes) { return url; }
    }
    var half = document.createElement("canvas");
    half.width = Math.round(canvas.width / 2);
    half.height = Math.round(canvas.height / 2);
    half.getContext("2d").drawImage(canvas, 0, 0, half.width, half.height);
    return half.toDataURL("image/jpeg", 0.6);
  }

  function take() {
    if (!stream || !video.videoWidth) { return; }
    taken = smallJpeg(frameCanvas());
    stopCamera();
    preview.src = taken;
    preview.hidden = false;
    showOnly(["save", "retake"]);
    buttons.save.focus();
  }

  function send(method, body) {
    return fetch(section.getAttribute("data-url"), {
      method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json",
                 "X-CSRFToken": window.arrivalCsrfToken() },
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { ok: response.ok, data: data };
      });
    });
  }

  function save() {
    if (!taken) { return; }
    buttons.save.disabled = true;
    send("PUT", { image: taken }).then(function (answer) {
      buttons.save.disabled = false;
      if (!answer.ok) {
        var fields = answer.data.fields || {};
        setError((fields.photo || [])[0] || answer.data.message || section.getAttribute("data-failed"));
        return;
      }
      status.textContent = section.getAttribute("data-saved");
      window.location.reload();
    }).catch(function () {
      buttons.save.disabled = false;
      setError(section.getAttribute("data-failed"));
    });
  }

  function remove() {
    send("DELETE").then(function (answer) {
      if (!answer.ok) { setError(answer.data.message || section.getAttribute("data-failed")); return; }
      status.textContent = section.getAttribute("data-deleted");
      window.location.reload();
    }).catch(function () { setError(section.getAttribute("data-failed")); });
  }

  buttons.start.addEventListener("click", startCamera);
  buttons.take.addEventListener("click", take);
  buttons.retake.addEventListener("click", startCamera);
  buttons.save.addEventListener("click", save);
  if (buttons.remove) { buttons.remove.addEventListener("click", remove); }
  window.addEventListener("pagehide", stopCamera);
})();
