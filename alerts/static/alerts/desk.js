// Duty desk: live alerts over ws/alerts/ (session cookie; no secret in the URL).
// The server replays every event after last_seq from its database on each (re)connect.
// The desk is built not to be missed: the sound repeats while an alert is unacknowledged
// (a mute expires by itself), the tab title and favicon carry the count, new alerts are
// announced to screen readers, and focus stays on the card that was acted on.
(function () {
  "use strict";
  var config = document.getElementById("alerts-config").dataset;
  var L = JSON.parse(document.getElementById("alerts-labels").textContent);
  var T = L.text;
  var status = document.getElementById("alerts-status");
  var list = document.getElementById("alerts-body");
  var empty = document.getElementById("alerts-empty");
  var announce = document.getElementById("alerts-announce");
  var counter = document.getElementById("alerts-count");
  var muteButton = document.getElementById("alerts-mute");
  var mutedLabel = document.getElementById("alerts-muted");
  var dialog = document.getElementById("resolve-dialog");
  var lastSeq = parseInt(config.lastSeq, 10) || 0;
  var audio = null;
  var soundEnabled = false;
  var delay = 500;
  var MUTE_KEY = "net247.desk.muteUntil";
  var REPEAT_MS = 15000;

  function fmt(template, values) {
    return template.replace(/%\((\w+)\)[sd]/g, function (_, key) { return values[key]; });
  }

  function duration(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    if (seconds < 60) { return fmt(T.s, { n: seconds }); }
    var minutes = Math.floor(seconds / 60);
    if (minutes < 60) { return fmt(T.min, { n: minutes }); }
    var hours = Math.floor(minutes / 60);
    minutes = minutes % 60;
    if (hours < 24) { return minutes ? fmt(T.hmin, { h: hours, m: minutes }) : fmt(T.h, { h: hours }); }
    return fmt(T.dh, { d: Math.floor(hours / 24), h: hours % 24 });
  }

  // The node's local time with its zone, as the server renders it, whatever the browser's zone.
  function zoned(iso, seconds) {
    try {
      var opts = { timeZone: config.tz, year: "numeric", month: "2-digit", day: "2-digit",
                   hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
      if (seconds) { opts.second = "2-digit"; }
      return new Intl.DateTimeFormat("sv-SE", opts).format(new Date(iso)) + " " + config.zoneLabel;
    } catch (e) { return iso; }
  }

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

  function muteUntil() {
    var until = parseInt(window.localStorage.getItem(MUTE_KEY) || "0", 10);
    return until > Date.now() ? until : 0;
  }

  function showMute() {
    var until = muteUntil();
    muteButton.setAttribute("aria-pressed", until ? "true" : "false");
    muteButton.textContent = until ? T.unmute : T.mute;
    mutedLabel.hidden = !until;
    mutedLabel.textContent = until ? fmt(T.muted_until, { at: zoned(new Date(until).toISOString()) }) : "";
  }

  // Unacknowledged alerts the desk has no card for (it shows the newest few): they count
  // until an event says they were acknowledged or closed.
  var hiddenUnacked = new Set(JSON.parse(document.getElementById("alerts-hidden-unacked").textContent));
  var hiddenAcked = new Set(JSON.parse(document.getElementById("alerts-hidden-acked").textContent));
  var more = document.getElementById("alerts-more");
  var plurals = new Intl.PluralRules(document.documentElement.lang || "ru");

  function unacknowledged() {
    return list.querySelectorAll('li.alert-card[data-state="triggered"]').length + hiddenUnacked.size;
  }

  // `forms` holds the sentence for a sample number of each plural form (alerts/desk_text.py).
  function plural(forms, n) {
    var samples = Object.keys(forms);
    var form = plurals.select(n);
    var sample = samples.filter(function (s) { return plurals.select(Number(s)) === form; })[0];
    return fmt(forms[sample || samples[samples.length - 1]], { n: n });
  }

  // "N more open alerts are not shown here": a hidden alert that gets a card or is closed
  // leaves the count.
  function refreshMore() {
    var total = hiddenUnacked.size + hiddenAcked.size;
    more.hidden = total === 0;
    document.getElementById("alerts-more-count").textContent = plural(L.more, total);
    document.getElementById("alerts-more-unacked").hidden = hiddenUnacked.size === 0;
    document.getElementById("alerts-more-unacked-count").textContent =
      plural(L.more_unacked, hiddenUnacked.size);
  }

  function drawFavicon(count) {
    var link = document.getElementById("favicon");
    if (!link) {
      link = document.createElement("link");
      link.id = "favicon";
      link.rel = "icon";
      document.head.appendChild(link);
    }
    if (!link.dataset.original) { link.dataset.original = link.href || ""; }
    if (!count) { if (link.dataset.original) { link.href = link.dataset.original; } return; }
    var canvas = document.createElement("canvas");
    canvas.width = canvas.height = 32;
    var ctx = canvas.getContext("2d");
    ctx.fillStyle = "#10243e";
    ctx.fillRect(0, 0, 32, 32);
    ctx.fillStyle = "#b3261e";
    ctx.beginPath();
    ctx.arc(16, 16, 15, 0, 2 * Math.PI);
    ctx.fill();
    ctx.fillStyle = "#fff";
    ctx.font = "bold 18px sans-serif";
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.fillText(count > 99 ? "99" : String(count), 16, 17);
    link.href = canvas.toDataURL("image/png");
  }

  function refreshCount() {
    var count = unacknowledged();
    counter.textContent = String(count);
    counter.classList.toggle("zero", count === 0);
    document.title = (count ? "(" + count + ") " : "") + config.title;
    drawFavicon(count);
    empty.hidden = list.children.length > 0;
    refreshMore();
  }

  function refreshAges() {
    var now = Date.now();
    list.querySelectorAll("li.alert-card").forEach(function (card) {
      var age = card.querySelector(".age");
      if (card.dataset.state === "triggered" && age) {
        age.textContent = fmt(T.not_acked, { age: duration((now - Date.parse(card.dataset.created)) / 1000) });
      }
      var next = card.querySelector(".escalation");
      if (next && card.dataset.nextAt && card.dataset.nextAction) {
        next.textContent = fmt(T.next, {
          what: L.actions[card.dataset.nextAction] || "", at: zoned(card.dataset.nextAt),
          "in": duration((Date.parse(card.dataset.nextAt) - now) / 1000)
        });
      }
    });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function button(action, text, label, className) {
    var b = el("button", className, text);
    b.type = "button";
    b.dataset.action = action;
    b.setAttribute("aria-label", label);
    return b;
  }

  function card(alert) {
    var li = el("li", "alert-card urgency-" + alert.urgency);
    li.dataset.alert = alert.id;
    li.tabIndex = -1;
    li.setAttribute("aria-labelledby", "alert-title-" + alert.id);
    fill(li, alert);
    return li;
  }

  // Rebuilding a card must not drop the keyboard focus it held to <body>.
  function fill(li, alert) {
    var focused = document.activeElement;
    var hadFocus = li.contains(focused);
    var action = hadFocus && focused.dataset ? focused.dataset.action : "";
    build(li, alert);
    if (hadFocus) {
      var same = action && li.querySelector('button[data-action="' + action + '"]');
      (same || li.querySelector("button") || li).focus();
    }
  }

  function build(li, alert) {
    li.dataset.state = alert.state;
    li.dataset.created = alert.created_at;
    li.dataset.nextAt = alert.next_step_at || "";
    li.dataset.nextAction = alert.next_action || "";
    li.textContent = "";
    var head = el("div", "alert-head");
    head.appendChild(el("span", "badge urgency " + alert.urgency, L.urgencies[alert.urgency] || alert.urgency));
    head.appendChild(el("span", "kind", L.kinds[alert.kind] || L.kinds.other || ""));
    if (alert.origin) {
      head.appendChild(el("span", "origin", fmt(T.from, { c: L.countries[alert.origin] || alert.origin })));
    }
    if (alert.group_size > 1) {
      var group = el("span", "badge group", fmt(T.group, { n: alert.group_size }));
      group.dataset.groupSize = alert.group_size;
      head.appendChild(group);
    }
    li.appendChild(head);
    var title = el("h3", "alert-title");
    title.id = "alert-title-" + alert.id;
    var link = el("a", "", alert.title);
    link.href = alert.detail_url;
    title.appendChild(link);
    li.appendChild(title);
    if (alert.summary) { li.appendChild(el("p", "summary", alert.summary)); }
    var meta = el("p", "alert-meta");
    var time = el("time", "", zoned(alert.created_at, true));
    time.setAttribute("datetime", alert.created_at);
    meta.appendChild(time);
    meta.appendChild(document.createTextNode(" · "));
    var age = el("span", "age");
    if (alert.state === "triggered") {
      age.textContent = fmt(T.not_acked, { age: duration((Date.now() - Date.parse(alert.created_at)) / 1000) });
    } else if (alert.acknowledged_at) {
      age.textContent = fmt(T.acked_by, { who: alert.acknowledged_by_name || alert.acknowledged_by || "", at: zoned(alert.acknowledged_at) });
    }
    meta.appendChild(age);
    li.appendChild(meta);
    if (alert.state === "triggered") {
      li.appendChild(el("p", "escalation", alert.next_step_at ? "" : T.finished));
    }
    var actions = el("div", "alert-actions");
    if (alert.url) {
      var open = el("a", "open", T.open_item);
      open.href = alert.url;
      actions.appendChild(open);
    }
    if (alert.state === "triggered") {
      actions.appendChild(button("ack", alert.group_size > 1 ? T.ack_all : T.ack,
                                 fmt(T.ack_named, { t: alert.title }), "primary"));
    }
    actions.appendChild(button("resolve", T.resolve, fmt(T.resolve_named, { t: alert.title }), "danger"));
    li.appendChild(actions);
  }

  function findCard(id) { return list.querySelector('li.alert-card[data-alert="' + id + '"]'); }

  // Returns true when the alert is new on this desk.
  function render(alert) {
    var row = findCard(alert.id);
    // A hidden one that moves (paged again, acknowledged) gets its card; closed, it goes.
    hiddenUnacked.delete(alert.id);
    hiddenAcked.delete(alert.id);
    if (alert.state === "resolved") {
      if (row) { row.remove(); }
      return false;
    }
    if (row) { fill(row, alert); return false; }
    list.insertBefore(card(alert), list.firstChild);
    return true;
  }

  function grouped(member) {
    var leader = findCard(member.group);
    if (!leader) { return; }
    var badge = leader.querySelector(".badge.group");
    if (!badge) {
      badge = el("span", "badge group");
      leader.querySelector(".alert-head").appendChild(badge);
      var ack = leader.querySelector('button[data-action="ack"]');
      if (ack) { ack.textContent = T.ack_all; }
    }
    badge.dataset.groupSize = member.group_size;
    badge.textContent = fmt(T.group, { n: member.group_size });
  }

  function say(text) {
    announce.textContent = "";
    window.setTimeout(function () { announce.textContent = text; }, 50);
  }

  function alarm(alert) {
    if (window.Notification && Notification.permission === "granted") {
      new Notification(alert.title, { body: alert.summary || "", tag: "alert-" + alert.id });
    }
    if (soundEnabled && !muteUntil()) { beep(); }
  }

  function handle(frame) {
    if (frame.type === "alert.grouped") {
      grouped(frame.alert);
      say(fmt(T.announce_group, { n: frame.alert.group_size, t: frame.alert.title }));
      return;
    }
    var fresh = render(frame.alert);
    if (frame.type === "alert.paged" && fresh) {
      say(fmt(T.announce_new, { t: frame.alert.title }));
      alarm(frame.alert);
    }
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(scheme + location.host + "/ws/alerts/");
    ws.onopen = function () {
      ws.send(JSON.stringify({ last_seq: lastSeq, language: document.documentElement.lang }));
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
      handle(frame);
      refreshCount();
      refreshAges();
    };
    ws.onclose = function (event) {
      // 4403: this account's sessions ended (log out everywhere, password change...):
      // reload, so that the server sends the login page or the desk of a session that stands.
      if (event.code === 4403) { location.reload(); return; }
      status.textContent = status.dataset.disconnected;
      status.dataset.live = "";
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 15000);
    };
  }

  function post(id, action, body) {
    return fetch("/api/v1/alerts/" + id + "/" + action + "/", {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": config.csrf, "Accept": "application/json",
                 "Content-Type": "application/json" },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    });
  }

  // Keep focus on the card acted on (its next button, or the card itself).
  function refocus(id) {
    var row = findCard(id);
    if (!row) { (list.querySelector("li.alert-card") || list).focus(); return; }
    var next = row.querySelector("button") || row;
    next.focus();
  }

  function acknowledge(row, target) {
    target.disabled = true;
    post(row.dataset.alert, "ack").then(function (answer) {
      if (answer.ok && answer.data.id) {
        render(answer.data);
        refreshCount();
        refreshAges();
        refocus(answer.data.id);
      } else { target.disabled = false; say(T.failed); }
    }).catch(function () { target.disabled = false; say(T.failed); });
  }

  var resolving = null;
  function askResolve(row, target) {
    resolving = { id: row.dataset.alert, opener: target };
    document.getElementById("resolve-what").textContent = row.querySelector(".alert-title").textContent;
    document.getElementById("resolve-note").value = "";
    document.getElementById("resolve-error").hidden = true;
    dialog.showModal();
    document.getElementById("resolve-note").focus();
  }

  document.getElementById("resolve-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var note = document.getElementById("resolve-note").value.trim();
    var error = document.getElementById("resolve-error");
    if (!note) { error.textContent = T.note_required; error.hidden = false; return; }
    var id = resolving.id;
    post(id, "resolve", { note: note }).then(function (answer) {
      if (!answer.ok) {
        error.textContent = (answer.data && (answer.data.note || answer.data.state || [T.failed]))[0];
        error.hidden = false;
        return;
      }
      dialog.close();
      var row = findCard(id);
      var sibling = row && (row.nextElementSibling || row.previousElementSibling);
      render(answer.data);
      refreshCount();
      (sibling ? (sibling.querySelector("button") || sibling) : list).focus();
    }).catch(function () { error.textContent = T.failed; error.hidden = false; });
  });

  document.getElementById("resolve-cancel").addEventListener("click", function () {
    dialog.close();
    if (resolving && resolving.opener) { resolving.opener.focus(); }
  });

  list.addEventListener("click", function (event) {
    var target = event.target.closest("button[data-action]");
    if (!target) { return; }
    var row = target.closest("li.alert-card");
    if (target.dataset.action === "ack") { acknowledge(row, target); }
    if (target.dataset.action === "resolve") { askResolve(row, target); }
  });

  document.getElementById("alerts-enable").addEventListener("click", function () {
    if (window.Notification) { Notification.requestPermission(); }
    soundEnabled = true;
    beep();
  });

  muteButton.addEventListener("click", function () {
    if (muteUntil()) { window.localStorage.removeItem(MUTE_KEY); }
    else { window.localStorage.setItem(MUTE_KEY, String(Date.now() + 15 * 60 * 1000)); }
    showMute();
  });

  // The sound repeats while anything is unacknowledged, unless muted (the mute expires).
  window.setInterval(function () {
    showMute();
    if (unacknowledged() && soundEnabled && !muteUntil()) { beep(); }
  }, REPEAT_MS);
  window.setInterval(refreshAges, 30000);

  showMute();
  refreshCount();
  refreshAges();
  connect();
})();
