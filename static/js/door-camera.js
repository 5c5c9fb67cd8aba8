// The phone's rear camera: BarcodeDetector where the browser has it, else frames decoded on the server.
(function () {
  "use strict";
  var FRAME_WIDTH = 640, SERVER_INTERVAL = 300, LOCAL_INTERVAL = 120;

  // Why the camera cannot work here, or null when it may.
  function unavailableReason() {
    if (!window.isSecureContext) return "http";
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return "api";
    return null;
  }

  function Camera(video, options) {
    this.video = video;
    this.onCode = options.onCode;       // function(code)
    this.decode = options.decode;       // function(blob) -> Promise<[codes]>, server decoding
    this.onMode = options.onMode || function () {};
    this.stream = null;
    this.timer = null;
    this.busy = false;
    this.detector = null;
    this.canvas = document.createElement("canvas");
  }

  Camera.prototype.start = function () {
    var self = this;
    var constraints = { audio: false, video: { facingMode: { ideal: "environment" },
                                               width: { ideal: 1280 }, height: { ideal: 720 } } };
    return navigator.mediaDevices.getUserMedia(constraints).then(function (stream) {
      self.stream = stream;
      self.video.srcObject = stream;
      return self.video.play();
    }).then(function () {
      return self.makeDetector();
    }).then(function (detector) {
      self.detector = detector;
      self.onMode(detector ? "local" : "server");
      self.schedule();
    });
  };

  Camera.prototype.makeDetector = function () {
    if (!("BarcodeDetector" in window)) return Promise.resolve(null);
    var formats = BarcodeDetector.getSupportedFormats ? BarcodeDetector.getSupportedFormats() : Promise.resolve(["qr_code"]);
    return formats.then(function (list) {
      return list.indexOf("qr_code") >= 0 ? new BarcodeDetector({ formats: ["qr_code"] }) : null;
    }).catch(function () { return null; });
  };

  Camera.prototype.schedule = function () {
    var self = this;
    if (!this.stream) return;
    this.timer = setTimeout(function () { self.tick(); }, this.detector ? LOCAL_INTERVAL : SERVER_INTERVAL);
  };

  Camera.prototype.tick = function () {
    var self = this;
    if (!this.stream || this.busy || this.video.readyState < 2) { this.schedule(); return; }
    this.busy = true;   // one frame at a time: never a second request while one is out
    var work = this.detector ? this.detectLocal() : this.detectServer();
    work.then(function (codes) {
      if (codes && codes.length && self.stream) self.onCode(codes[0]);
    }).catch(function () { /* a lost frame is no matter: the next one follows */ })
      .then(function () { self.busy = false; self.schedule(); });
  };

  Camera.prototype.detectLocal = function () {
    return this.detector.detect(this.video).then(function (found) {
      return found.map(function (b) { return b.rawValue; });
    });
  };

  Camera.prototype.detectServer = function () {
    var v = this.video, scale = Math.min(1, FRAME_WIDTH / (v.videoWidth || FRAME_WIDTH));
    this.canvas.width = Math.round((v.videoWidth || FRAME_WIDTH) * scale);
    this.canvas.height = Math.round((v.videoHeight || 480) * scale);
    this.canvas.getContext("2d").drawImage(v, 0, 0, this.canvas.width, this.canvas.height);
    var self = this;
    return new Promise(function (resolve) {
      self.canvas.toBlob(resolve, "image/jpeg", 0.75);
    }).then(function (blob) { return blob ? self.decode(blob) : []; });
  };

  Camera.prototype.stop = function () {
    clearTimeout(this.timer);
    if (this.stream) this.stream.getTracks().forEach(function (t) { t.stop(); });
    this.stream = null;
    this.video.srcObject = null;
  };

  Camera.prototype.running = function () { return !!this.stream; };

  window.DoorCamera = { Camera: Camera, unavailableReason: unavailableReason };
})();
