// Duty desk: live alerts over ws/alerts/ (session cookie; no secret in the URL).
// The server replays every event after last_seq from its database on each (re)connect.
(function () {
  "use strict";
  var config = document.getElementById("alerts-config");
  var labels = document.getElementById("alerts-labels").dataset;
  var status = document.getElementById("alerts-status");
  var body = document.getElementById("alerts-body");
  var lastSeq = parseInt(config.dataset.lastSeq, 10) || 0;
  var audio = null;
  var delay = 500;

  function beep() {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var osc = audio.createOscillator();
      osc.frequency.value = 880;
      osc.connect(audio.destination);
      osc.start();
      osc.stop(audio.currentTime + 0.4);
    } catch (e) { /* no sound available */ }
  }

  function notify(alert) {
    if (window.Notification && Notification.permission === "granted") {
      new Notification(alert.title, { body: alert.summary || "", tag: "alert-" + alert.id });
    }
    beep();
  }

  // The node's local time as the server renders it (Y-m-d H:i:s), whatever the browser's zone.
  function localTime(iso) {
    try {
      return new Intl.DateTimeFormat("sv-SE", {
        timeZone: config.dataset.tz, year: "numeric", month: "2-digit", day: "2-digit",
        hour: "2-digit", minute: "2-digit", second: "2-digit"
      }).format(new Date(iso));
    } catch (e) { return iso; }
  }

  function button(action, text) {
    var b = document.createElement("button");
    b.type = "button";
    b.dataset.action = action;
    b.textContent = text;
    return b;
  }

  function render(alert) {
    var row = body.querySelector('tr[data-alert="' + alert.id + '"]');
    if (alert.state === "resolved") {
      if (row) { row.remove(); }
      return null;
    }
    var fresh = !row;
    if (fresh) {
      row = document.createElement("tr");
      row.dataset.alert = alert.id;
      for (var i = 0; i < 5; i++) { row.appendChild(document.createElement("td")); }
      row.children[3].className = "state";
      body.insertBefore(row, body.firstChild);
    }
    row.dataset.state = alert.state;
    var cells = row.children;
    cells[0].textContent = localTime(alert.created_at);
    cells[1].textContent = labels[alert.urgency] || alert.urgency;
    cells[2].textContent = alert.title;
    if (alert.summary) {
      cells[2].appendChild(document.createElement("br"));
      var small = document.createElement("small");
      small.textContent = alert.summary;
      cells[2].appendChild(small);
    }
    cells[3].textContent = labels[alert.state] || alert.state;
    cells[4].textContent = "";
    if (alert.state === "triggered") { cells[4].appendChild(button("ack", labels.ack)); }
    cells[4].appendChild(button("resolve", labels.resolve));
    return fresh;
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(scheme + location.host + "/ws/alerts/");
    ws.onopen = function () {
      ws.send(JSON.stringify({ last_seq: lastSeq }));
    };
    ws.onmessage = function (msg) {
      var frame = JSON.parse(msg.data);
      if (frame.type === "hello") {
        delay = 500;
        status.textContent = status.dataset.connected;
        status.dataset.live = "1";
        return;
      }
      if (!frame.seq || frame.seq <= lastSeq) { return; }
      lastSeq = frame.seq;
      var fresh = render(frame.alert);
      if (frame.type === "alert.paged" && fresh !== null) { notify(frame.alert); }
    };
    ws.onclose = function () {
      status.textContent = status.dataset.disconnected;
      status.dataset.live = "";
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 15000);
    };
  }

  body.addEventListener("click", function (event) {
    var target = event.target;
    if (!target.dataset || !target.dataset.action) { return; }
    var row = target.closest("tr");
    target.disabled = true;
    fetch("/api/v1/alerts/" + row.dataset.alert + "/" + target.dataset.action + "/", {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": config.dataset.csrf, "Accept": "application/json" }
    }).then(function (response) { return response.json(); }).then(function (alert) {
      if (alert && alert.id) { render(alert); } else { target.disabled = false; }
    }).catch(function () { target.disabled = false; });
  });

  document.getElementById("alerts-enable").addEventListener("click", function () {
    if (window.Notification) { Notification.requestPermission(); }
    beep();
  });

  connect();
})();
