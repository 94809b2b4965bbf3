/* Fieldwork dispatch console: Leaflet map over the /api/v1/map GeoJSON endpoints.
 * No framework, no build step, nothing loaded from outside this server (see api/console.py).
 * Text from the API is always inserted with textContent, never as HTML. */
(function () {
  "use strict";

  var TOKEN_KEY = "fieldwork.console.token";
  var body = document.body;
  var statusLine = document.getElementById("status");
  var loginForm = document.getElementById("login");
  var panel = document.getElementById("panel");
  var panelBody = document.getElementById("panel-body");
  var showClosed = document.getElementById("show-closed");
  var inflight = null;
  var loadTimer = null;

  var PRIORITY_COLOURS = { urgent: "#c62828", high: "#ef6c00", normal: "#1565c0", low: "#78909c" };
  var POSITION_COLOURS = { live: "#2e7d32", stale: "#f9a825", home: "#9e9e9e" };

  // --- HTTP ---------------------------------------------------------------------------------
  function token() { return sessionStorage.getItem(TOKEN_KEY); }

  function api(path, options) {
    options = options || {};
    var headers = Object.assign({ "Accept": "application/json" }, options.headers || {});
    if (token()) { headers.Authorization = "Bearer " + token(); }
    if (options.json !== undefined) {
      headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(options.json);
    }
    return fetch(path, Object.assign({}, options, { headers: headers })).then(function (r) {
      if (r.status === 401) { signOut(); throw new Error("signed out"); }
      return r.json().then(function (data) {
        if (!r.ok) { throw new Error(data.message || ("HTTP " + r.status)); }
        return data;
      });
    });
  }

  // --- sign in / out ------------------------------------------------------------------------
  function signOut() {
    sessionStorage.removeItem(TOKEN_KEY);
    loginForm.hidden = false;
    document.getElementById("logout").hidden = true;
  }

  loginForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var data = new FormData(loginForm);
    var error = document.getElementById("login-error");
    error.textContent = "";
    fetch("/api/v1/auth/login", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email: data.get("email"), password: data.get("password") })
    }).then(function (r) { return r.json().then(function (d) { return [r, d]; }); })
      .then(function (pair) {
        if (!pair[0].ok) { throw new Error(pair[1].message || "sign-in failed"); }
        sessionStorage.setItem(TOKEN_KEY, pair[1].access_token);
        loginForm.hidden = true;
        document.getElementById("logout").hidden = false;
        start();
      })
      .catch(function (e) { error.textContent = e.message; });
  });
  document.getElementById("logout").addEventListener("click", signOut);

  // --- the map ------------------------------------------------------------------------------
  var map = L.map("map", { preferCanvas: true, worldCopyJump: true });
  map.attributionControl.setPrefix("Leaflet");
  if (body.dataset.tileUrl) {
    L.tileLayer(body.dataset.tileUrl, {
      maxZoom: 19, attribution: body.dataset.tileAttribution || ""
    }).addTo(map);
  }
  var territories = L.geoJSON(null, {
    style: { color: "#5e35b1", weight: 1, fillOpacity: 0.06 },
    onEachFeature: function (f, layer) { layer.bindTooltip(text(f.properties.name)); }
  }).addTo(map);
  var workLayer = L.layerGroup().addTo(map);
  var techLayer = L.layerGroup().addTo(map);
  L.control.layers(null, {
    "Work orders": workLayer, "Technicians": techLayer, "Territories": territories
  }).addTo(map);
  L.control.scale().addTo(map);
  map.setView([20, 0], 2);

  function text(value) { return value === null || value === undefined ? "" : String(value); }

  function el(tag, content, attrs) {
    var node = document.createElement(tag);
    if (content !== undefined) { node.textContent = text(content); }
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }

  function bboxParam() {
    var b = map.getBounds();
    var clamp = function (v, lim) { return Math.max(-lim, Math.min(lim, v)); };
    return [clamp(b.getWest(), 180), clamp(b.getSouth(), 90), clamp(b.getEast(), 180),
            clamp(b.getNorth(), 90)].map(function (v) { return v.toFixed(6); }).join(",");
  }

  function clusterMarker(feature, kind) {
    var p = feature.properties;
    var size = Math.round(24 + 8 * Math.log10(p.count + 1));
    var label = el("span", p.count);
    label.style.lineHeight = (size - 4) + "px";
    var icon = L.divIcon({ className: "cluster " + kind, html: label, iconSize: [size, size] });
    var c = feature.geometry.coordinates;
    var marker = L.marker([c[1], c[0]], { icon: icon });
    var breakdown = p.statuses || p.states || {};
    marker.bindTooltip(Object.keys(breakdown).map(function (k) {
      return k + ": " + breakdown[k];
    }).join(", "));
    marker.on("click", function () {
      map.fitBounds([[p.bounds[1], p.bounds[0]], [p.bounds[3], p.bounds[2]]],
                    { maxZoom: map.getZoom() + 3, padding: [20, 20] });
    });
    return marker;
  }

  function workMarker(feature) {
    var p = feature.properties;
    var c = feature.geometry.coordinates;
    var marker = L.circleMarker([c[1], c[0]], {
      radius: 6, weight: 1, color: "#fff", fillOpacity: 0.9,
      fillColor: PRIORITY_COLOURS[p.priority] || "#555"
    });
    marker.on("click", function () { showWorkOrder(feature); });
    marker.bindTooltip(p.number + " · " + p.status);
    return marker;
  }

  function techMarker(feature) {
    var p = feature.properties;
    var c = feature.geometry.coordinates;
    var marker = L.circleMarker([c[1], c[0]], {
      radius: 5, weight: 2, color: POSITION_COLOURS[p.position] || "#555", fillColor: "#fff",
      fillOpacity: 1
    });
    var age = p.age_seconds === null ? "no position reported"
      : "seen " + Math.round(p.age_seconds / 60) + " min ago";
    marker.bindTooltip(p.name + " · " + p.state + " · " + p.position + " (" + age + ")");
    return marker;
  }

  function draw(layer, collection, kind, pointMarker) {
    layer.clearLayers();
    collection.features.forEach(function (f) {
      layer.addLayer(f.properties.kind === "cluster" ? clusterMarker(f, kind) : pointMarker(f));
    });
  }

  function load() {
    if (!token()) { return; }
    if (inflight) { inflight.abort(); }
    inflight = new AbortController();
    var query = "?bbox=" + bboxParam() + "&zoom=" + map.getZoom();
    var statuses = showClosed.checked ? "&status=new,assigned,dispatched,en_route,in_progress," +
      "on_hold,completed,closed,cancelled,cannot_complete" : "";
    var signal = { signal: inflight.signal };
    Promise.all([
      api("/api/v1/map/work-orders" + query + statuses, signal),
      api("/api/v1/map/technicians" + query, signal)
    ]).then(function (res) {
      draw(workLayer, res[0], "work", workMarker);
      draw(techLayer, res[1], "tech", techMarker);
      statusLine.textContent = res[0].properties.count + " work orders" +
        (res[0].properties.truncated ? " (most urgent shown)" : "") + ", " +
        res[1].properties.count + " technicians · zoom " + map.getZoom();
    }).catch(function (e) {
      if (e.name !== "AbortError") { statusLine.textContent = e.message; }
    });
  }

  map.on("moveend", function () {
    clearTimeout(loadTimer);
    loadTimer = setTimeout(load, 200);
  });
  showClosed.addEventListener("change", load);

  // --- work order panel: candidates and assignment ---------------------------------------------
  function showWorkOrder(feature) {
    var p = feature.properties;
    panelBody.replaceChildren(el("h2", p.number), el("p", p.title),
      el("p", p.status + " · " + p.priority + (p.due_at ? " · due " + p.due_at : "")),
      el("p", "Loading candidates…"));
    panel.hidden = false;
    api("/api/v1/work-orders/" + encodeURIComponent(feature.id) + "/candidates?limit=10")
      .then(function (result) { showCandidates(feature, result); })
      .catch(function (e) { panelBody.lastChild.textContent = e.message; });
  }

  function showCandidates(feature, result) {
    var table = el("table");
    var head = el("tr");
    ["#", "Technician", "Score", "km", ""].forEach(function (h) { head.appendChild(el("th", h)); });
    table.appendChild(head);
    result.candidates.forEach(function (c) {
      var row = el("tr");
      row.title = Object.keys(c.breakdown).map(function (t) {
        return t + ": " + c.breakdown[t].points + " (" + c.breakdown[t].raw + ")";
      }).join("\n");
      [c.rank, c.name, c.score.toFixed(1), c.travel.km].forEach(function (v) {
        row.appendChild(el("td", v));
      });
      var button = el("button", "Assign");
      button.addEventListener("click", function () { assign(feature, c); });
      var cell = el("td");
      cell.appendChild(button);
      row.appendChild(cell);
      table.appendChild(row);
    });
    panelBody.lastChild.replaceWith(el("p", "Policy: " + result.policy.name + " · " +
      result.shortlisted + " checked"), table);
  }

  function assign(feature, candidate) {
    var reason = "chosen on the map console (rank " + candidate.rank + ")";
    if (feature.properties.assignee_id) {
      reason = window.prompt("Reason for re-assigning?", reason);
      if (!reason) { return; }
    }
    api("/api/v1/work-orders/" + encodeURIComponent(feature.id) + "/assign", {
      method: "POST", json: { technician_id: candidate.technician_id, reason: reason }
    }).then(function () { panel.hidden = true; load(); })
      .catch(function (e) { window.alert(e.message); });
  }
  document.getElementById("panel-close").addEventListener("click", function () {
    panel.hidden = true;
  });

  // --- start ----------------------------------------------------------------------------------
  function start() {
    api("/api/v1/map/territories").then(function (fc) {
      territories.clearLayers();
      territories.addData(fc);
    }).catch(function () { /* planners without territories: nothing to draw */ });
    // Frame the organisation's open work: clusters of the whole world give its extent.
    api("/api/v1/map/work-orders?bbox=-180,-85,180,85&zoom=2").then(function (fc) {
      var bounds = L.latLngBounds([]);
      fc.features.forEach(function (f) {
        var b = f.properties.bounds;
        bounds.extend([[b[1], b[0]], [b[3], b[2]]]);
      });
      if (bounds.isValid()) { map.fitBounds(bounds, { padding: [20, 20] }); } else { load(); }
    });
  }

  if (token()) {
    document.getElementById("logout").hidden = false;
    start();
  } else {
    signOut();
  }
}());
