// The county map's data: district choropleth, county outline and clustered service points, drawn on the
// Leaflet map that folium made server-side (provider_monitor/views/map_figure.py; its variable is named in
// data-map-name). Leaflet is served from static/dist as the global L. No inline styles: Leaflet styles
// elements through the CSSOM, which the CSP allows. Boundaries and points come from the app's own GeoJSON
// endpoints, so the map works when background tiles cannot load.

const RATING_COLOURS = {
  Outstanding: "#00703c",
  Good: "#1d70b8",
  "Requires improvement": "#f47738",
  Inadequate: "#d4351c",
};
const NOT_RATED = "#505a5f";
// Which services each highlight rings; the ring's colour comes from its checkbox (data-ring-colour), which
// also shows it in the key.
const HIGHLIGHTS = {
  overdue: (p) => p.overdue,
  declined: (p) => p.declined,
  concerns: (p) => (p.open_concerns || 0) > 0,
  suspension_red: (p) => p.suspension === "red",
  suspension_amber: (p) => p.suspension === "amber",
};

async function fetchJson(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json, application/json" } });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return response.json();
}

function row(list, term, detail) {
  const dt = document.createElement("dt");
  dt.textContent = term;
  const dd = document.createElement("dd");
  dd.textContent = detail;
  list.append(dt, dd);
}

function formatDate(iso) {
  return new Date(iso).toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric" });
}

// Built from DOM nodes with textContent: names come from the register and are never parsed as HTML.
function fillPopup(box, p) {
  const heading = document.createElement("h3");
  heading.className = "govuk-heading-s govuk-!-margin-bottom-1";
  heading.textContent = p.name;
  const list = document.createElement("dl");
  list.className = "govuk-body-s govuk-!-margin-bottom-1";
  row(list, "CQC Overall", p.cqc_overall);
  for (const [question, rating] of p.key_questions || []) row(list, question, rating);
  row(list, "Service type", p.service_type);
  if ("next_visit_due" in p) {
    row(list, "Next visit due", p.next_visit_due ? formatDate(p.next_visit_due) + (p.overdue ? " (overdue)" : "") : "Not known");
    row(list, "Open flags", String(p.open_flags));
    if (p.escalation_level) {
      row(list, "Escalation", `Level ${p.escalation_level}` + (p.suspension ? `, suspended (${p.suspension})` : ""));
    }
  }
  const link = document.createElement("a");
  link.className = "govuk-link";
  link.href = p.url;
  link.textContent = "View service";
  box.replaceChildren(heading, list, link);
}

// The point carries only what draws it; the popup asks the app for the rest the first time it opens.
// Leaflet calls this again on update(), so the details are kept on the point and not fetched twice.
function popupContent(element, point, marker) {
  const box = document.createElement("div");
  box.className = "map-popup govuk-body-s";
  if (point.details) {
    fillPopup(box, point.details);
    return box;
  }
  box.textContent = `${point.name}: loading…`;
  fetchJson(element.dataset.popupUrl.replace("{id}", String(point.id)))
    .then((details) => {
      point.details = details;
      marker.getPopup()?.update();
    })
    .catch(() => {
      box.textContent = `${point.name}: the details could not be loaded. Try again.`;
    });
  return box;
}

async function start(element, map) {
  map.setMinZoom(5);
  map.setMaxZoom(18);
  map.attributionControl.addAttribution(element.dataset.onsAttribution);
  const servicesPane = map.createPane("services");
  servicesPane.style.zIndex = "450";
  const ringsPane = map.createPane("rings");
  ringsPane.style.zIndex = "460";
  ringsPane.style.pointerEvents = "none";

  const [county, districts, points] = await Promise.all([
    fetchJson(element.dataset.countyUrl),
    fetchJson(element.dataset.districtsUrl),
    fetchJson(element.dataset.pointsUrl),
  ]);

  // The shade of each district is decided by the server, with the legend and table on the page.
  const districtLayer = L.geoJSON(districts, {
    style: (f) => ({ color: "#0b0c0c", weight: 1, fillOpacity: 0.6, fillColor: f.properties.fill }),
    onEachFeature: (f, layer) => {
      const p = f.properties;
      const value = p.value === null ? "no services" : p.measure === "good_or_better" ? `${p.value}%` : String(p.value);
      layer.bindTooltip(`${p.name}: ${value}`, { sticky: true });
    },
  }).addTo(map);
  const countyLayer = L.geoJSON(county, { style: { color: "#0b0c0c", weight: 3, fill: false }, interactive: false }).addTo(map);

  const cluster = L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false });
  const highlights = [...document.querySelectorAll("[data-map-layer]")]
    .filter((input) => HIGHLIGHTS[input.dataset.mapLayer])
    .map((input) => ({
      input, key: input.dataset.mapLayer, test: HIGHLIGHTS[input.dataset.mapLayer],
      colour: input.dataset.ringColour, layer: L.layerGroup(),
    }));
  for (const feature of points.features) {
    const [lon, lat] = feature.geometry.coordinates;
    const p = feature.properties;
    const colour = RATING_COLOURS[p.cqc_overall] || NOT_RATED;
    const marker = L.circleMarker([lat, lon], {
      pane: "services", radius: 7, color: "#0b0c0c", weight: 1, fillColor: colour, fillOpacity: 0.9,
      className: "map-service",
    });
    marker.bindPopup(() => popupContent(element, p, marker));
    marker.bindTooltip(p.name);
    cluster.addLayer(marker);
    for (const highlight of highlights) {
      if (highlight.test(p)) {
        highlight.layer.addLayer(L.circleMarker([lat, lon], {
          pane: "rings", radius: 12, color: highlight.colour, weight: 4, fill: false, interactive: false,
          className: `map-ring map-ring--${highlight.key}`,
        }));
      }
    }
  }
  map.addLayer(cluster);

  for (const { input, layer } of highlights) {
    const toggle = () => (input.checked ? map.addLayer(layer) : map.removeLayer(layer));
    input.addEventListener("change", toggle);
    toggle();
  }

  const bounds = countyLayer.getBounds().isValid() ? countyLayer.getBounds()
    : districtLayer.getBounds().isValid() ? districtLayer.getBounds() : cluster.getBounds();
  if (bounds.isValid()) map.fitBounds(bounds, { padding: [10, 10], maxZoom: 13 });
  element.dataset.ready = "true";
}

const element = document.getElementById("county-map");
const foliumMap = element && window[element.dataset.mapName];
if (foliumMap && window.L) {
  start(element, foliumMap).catch((error) => {
    element.dataset.ready = "error";
    console.error("The map could not be drawn:", error);
  });
}
