"""The daily alert map: a folium (Leaflet) page that works offline.

Layers an analyst can switch: alerts by district (shaded polygons when district
boundaries are present, otherwise circles at district centres), cluster outlines with
their score, incidents (colour by type, size by deaths; town-level ones as points,
district- and province-level ones as circles the size of the uncertainty, never as a
fake exact point), the Durand Line and the border crossings, plus a legend and a 24 h /
7 days / 30 days filter.

Every string from a feed reaches the page as JSON data (``<``, ``>`` and ``&`` escaped
so no ``</script>`` can close the data block) and is shown through an escaping function;
only http(s) links become links. Leaflet's JavaScript and CSS are embedded from the
``folium-offline`` package, so the page opens without network (the basemap tiles aside);
``cdn=True`` links them from their CDNs instead for a smaller file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

import folium
import shapely
from jinja2.utils import htmlsafe_json_dumps

from .boundaries import Boundaries, haversine_km
from .gazetteer import Place

LEAFLET_JS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"
LEAFLET_CSS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css"
TYPE_COLOURS = {
    "Explosions/Remote violence": "#d32f2f",
    "Battles": "#7b1fa2",
    "Violence against civilians": "#f57c00",
    "Protests": "#1976d2",
    "Riots": "#0097a7",
    "Strategic developments": "#616161",
}
LEVEL_COLOURS = {"red": "#c62828", "orange": "#ef6c00", "yellow": "#f9a825", "green": "#2e7d32"}
Record = Mapping[str, Any]


def _offline_assets() -> dict[str, str]:
    from offlinefolium.elements import _res  # the folium-offline package's embedded assets

    return {LEAFLET_JS: _res[LEAFLET_JS], LEAFLET_CSS: _res[LEAFLET_CSS]}


def build_map(
    day: date,
    incidents: Sequence[Record],
    alerts: Sequence[Record],
    *,
    boundaries: Boundaries | None,
    crossings: Sequence[Place],
    attributions: Sequence[str],
    zone: str,
    cdn: bool = False,
) -> str:
    """The whole ``map.html`` as a string."""
    fmap = folium.Map(
        location=[32.5, 69.5], zoom_start=6, tiles=None, prefer_canvas=True, control_scale=True
    )
    fmap.default_js = [("leaflet", LEAFLET_JS)]
    fmap.default_css = [("leaflet_css", LEAFLET_CSS)]
    folium.TileLayer(
        "OpenStreetMap",
        name="Basemap (OpenStreetMap, online only)",
        attr='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> '
        "contributors",
    ).add_to(fmap)
    data = {
        "day": day.isoformat(),
        "zone": zone,
        "fields": list(_FIELDS),
        "rows": [row for row in (_incident_row(i) for i in incidents) if row is not None],
        "alerts": [_alert_feature(a, boundaries) for a in alerts if a.get("level") != "green"],
        "line": shapely.geometry.mapping(boundaries.line) if boundaries is not None else None,
        "outlines": [
            shapely.geometry.mapping(shapely.simplify(g, 0.02))
            for g in boundaries.countries.values()
        ]
        if boundaries is not None
        else [],
        "crossings": [
            {"name": p.name, "lat": p.lat, "lon": p.lon}
            for p in crossings
            if p.lat is not None and p.lon is not None
        ],
        "attributions": list(attributions),
        "typeColours": TYPE_COLOURS,
        "levelColours": LEVEL_COLOURS,
    }
    script = _SCRIPT.replace("__DATA__", str(htmlsafe_json_dumps(data))).replace(
        "__MAP__", fmap.get_name()
    )
    root: Any = fmap.get_root()
    root.script.add_child(folium.Element(script))
    root.header.add_child(folium.Element(_STYLE))
    html = str(root.render())
    html = html.replace("<head>", '<head>\n<meta name="generator" content="durandwatch">', 1)
    return html if cdn else _inline_assets(html)


def _inline_assets(html: str) -> str:
    for url, body in _offline_assets().items():
        safe = body.replace("</script", "<\\/script").replace("</style", "<\\/style")
        if url.endswith(".js"):
            pattern = rf'<script src="{re.escape(url)}"></script>'
            replacement = f"<script>{safe}</script>"
        else:
            pattern = rf'<link rel="stylesheet" href="{re.escape(url)}"\s*/>'
            replacement = f"<style>{safe}</style>"
        html, count = re.subn(pattern, _constant(replacement), html)
        if count == 0:
            raise RuntimeError(f"the map page does not load {url} as expected")
    leftovers = re.findall(r'(?:src|href)="(https?://[^"]+\.(?:js|css))"', html)
    if leftovers:
        raise RuntimeError(f"assets left on a CDN in the offline map: {leftovers}")
    return html


def _constant(text: str) -> Callable[[re.Match[str]], str]:
    """A replacement for ``re.sub`` that is taken literally (no backslash escapes)."""

    def replace(_match: re.Match[str]) -> str:
        return text

    return replace


_FIELDS = (
    "id",
    "title",
    "date",
    "first",
    "type",
    "sub",
    "deaths",
    "range",
    "place",
    "admin1",
    "admin2",
    "precision",
    "km",
    "cross",
    "actors",
    "outlets",
    "sources",
    "lon",
    "lat",
)


def _incident_row(inc: Record) -> list[Any] | None:
    """One incident as a compact row (the page turns rows into GeoJSON features)."""
    loc = inc.get("location") or {}
    if loc.get("lat") is None or loc.get("lon") is None:
        return None
    title = inc["title"]
    sources = [
        [s["outlet"], s.get("url")] + ([s["title"]] if s["title"] != title else [])
        for s in inc.get("sources") or []
    ]
    frange = inc.get("fatalities_range")
    return [
        inc["id"],
        title,
        inc["event_date"],
        inc.get("first_reported"),
        inc.get("event_type"),
        inc.get("sub_event_type"),
        inc.get("fatalities"),
        frange if frange and frange[0] != frange[1] else None,
        loc.get("place"),
        loc.get("admin1"),
        loc.get("admin2"),
        int(loc.get("precision") or 3),
        loc.get("distance_km"),
        inc.get("direction") if inc.get("cross_border") else None,
        [f"{a['name']} ({a['role']})" for a in inc.get("actors") or []],
        inc.get("outlets"),
        sources,
        round(float(loc["lon"]), 4),
        round(float(loc["lat"]), 4),
    ]


def _alert_feature(alert: Record, boundaries: Boundaries | None) -> dict[str, Any]:
    """An alert for the map: its unit's shape when polygons are present, else a point.

    District and province alerts are drawn as their unit; sector and line alerts (and
    exchanges across the line) are listed in a panel, with their chain of incidents.
    """
    unit = alert.get("unit") or ("district" if alert.get("admin2") else "province")
    geometry = None
    if boundaries is not None and unit in ("district", "province"):
        polygons = boundaries.admin2 if unit == "district" else boundaries.admin1
        wanted = (alert.get("country"), alert.get("admin2") if unit == "district" else None)
        for labels, geom in zip(polygons.labels, polygons.geoms, strict=True) if polygons else ():
            name = labels[2] if unit == "district" else labels[1]
            if labels[0] == wanted[0] and name == (wanted[1] or alert.get("admin1")):
                geometry = shapely.geometry.mapping(shapely.simplify(geom, 0.005))
                break
    # The outline covers the alert's incidents (at least 15 km around its centre).
    radius = 15_000.0 if unit == "district" else 40_000.0
    if alert.get("lat") is not None and alert.get("lon") is not None:
        for inc in alert.get("incidents") or []:
            if inc.get("lat") is not None and inc.get("lon") is not None:
                km = haversine_km(
                    float(alert["lat"]), float(alert["lon"]), float(inc["lat"]), float(inc["lon"])
                )
                radius = max(radius, km * 1000 + 8_000)
    severity = alert.get("severity") or {}
    return {
        "id": alert["alert_id"],
        "name": alert.get("name"),
        "unit": unit,
        "kind": alert.get("kind") or "escalation",
        "level": alert.get("level"),
        "score": alert.get("score"),
        "status": alert.get("status"),
        "trend": alert.get("trend"),
        "admin1": alert.get("admin1"),
        "country": alert.get("country"),
        "lat": alert.get("lat"),
        "lon": alert.get("lon"),
        "reasons": alert.get("reasons") or [],
        "severity": f"{severity.get('points')} ({severity.get('level')})" if severity else None,
        "drivers": [d.get("name") for d in alert.get("drivers") or []],
        "chain": alert.get("chain") or [],
        "incidents": len(alert.get("incidents") or []),
        "geometry": geometry,
        "radius": round(radius),
        "silence": alert.get("silence"),
    }


_STYLE = """<style>
.dw-panel { background: rgba(255,255,255,.92); padding: 6px 9px; border-radius: 5px;
  font: 12px/1.4 system-ui, sans-serif; box-shadow: 0 1px 4px rgba(0,0,0,.3); }
.dw-panel h4 { margin: 0 0 4px; font-size: 12px; }
.dw-swatch { display: inline-block; width: 10px; height: 10px; border-radius: 50%;
  margin-right: 5px; vertical-align: middle; }
.dw-popup { font: 12px/1.4 system-ui, sans-serif; max-width: 320px; }
.dw-popup b { font-size: 13px; }
.dw-wide { max-width: 340px; max-height: 45vh; overflow-y: auto; }
.dw-wide summary { cursor: pointer; }
/* The attributions are long: keep them to the right so the scale bar stays readable. */
.leaflet-control-attribution { max-width: 70vw; }
</style>"""

_SCRIPT = r"""
document.addEventListener('DOMContentLoaded', function () {
  var map = __MAP__;
  var D = __DATA__;
  function esc(v) {
    return String(v === null || v === undefined ? '' : v).replace(/[&<>"']/g, function (c) {
      return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c];
    });
  }
  function safeUrl(u) { return /^https?:\/\//i.test(String(u || '')) ? String(u) : null; }
  function sources(list, title) {
    return (list || []).map(function (s) {
      var url = safeUrl(s[1]);
      return '<li>' + (url ? '<a href="' + esc(url) + '" target="_blank" rel="noopener noreferrer">' +
        esc(s[0]) + '</a>' : esc(s[0])) + ': ' + esc(s.length > 2 ? s[2] : title) + '</li>';
    }).join('');
  }
  var precisionWords = {1: 'town or nearer', 2: 'district (area shown)', 3: 'province (area shown)'};
  function incidentPopup(p) {
    return '<div class="dw-popup"><b>' + esc(p.title) + '</b><br>' +
      esc(p.date) + ' (reported ' + esc(p.first ? new Date(p.first).toLocaleString('en-GB', {timeZone: D.zone}) : '') + ', ' + esc(D.zone) + ')<br>' +
      esc(p.type) + ': ' + esc(p.sub) + '<br>' +
      'Place: ' + esc(p.place) + (p.admin2 ? ', ' + esc(p.admin2) : '') + ', ' + esc(p.admin1) +
      ' &middot; precision ' + esc(p.precision) + ' (' + esc(precisionWords[p.precision]) + ')' +
      (p.km !== null ? ' &middot; ' + esc(p.km) + ' km from the Durand Line' : '') + '<br>' +
      'Deaths: ' + (p.deaths === null ? 'not reported' : esc(p.deaths)) +
      (p.range && p.range[0] !== p.range[1] ? ' (reports: ' + esc(p.range[0]) + '&ndash;' + esc(p.range[1]) + ')' : '') + '<br>' +
      (p.cross ? 'Cross-border: ' + esc(p.cross) + '<br>' : '') +
      (p.actors.length ? 'Actors: ' + esc(p.actors.join('; ')) + '<br>' : '') +
      esc(p.outlets) + ' independent outlet(s):<ul>' + sources(p.sources, p.title) + '</ul></div>';
  }
  function alertPopup(a) {
    return '<div class="dw-popup"><b>' + esc(String(a.level).toUpperCase()) + ' ' + esc(a.name) +
      '</b>' + (a.admin1 && a.unit === 'district' ? ' (' + esc(a.admin1) + ', ' + esc(a.country) + ')' : '') +
      '<br>' + esc(a.unit) + ' ' + (a.kind === 'exchange' ? 'exchange across the line' : 'escalation') +
      ', score ' + esc(a.score) + ', ' + esc(a.status) + ', trend ' + esc(a.trend) +
      (a.severity ? '<br>severity ' + esc(a.severity) : '') + '<ul>' +
      a.reasons.map(function (r) { return '<li>' + esc(r) + '</li>'; }).join('') + '</ul>' +
      (a.drivers.length ? 'Driven by: ' + esc(a.drivers.join(', ')) + '<br>' : '') +
      (a.chain.length ? 'Chain:<ol>' + a.chain.map(function (c) { return '<li>' + esc(c) + '</li>'; }).join('') + '</ol>' : '') +
      '</div>';
  }
  var renderer = L.canvas({padding: 0.3});
  var overlays = {};

  var alertLayer = L.layerGroup();
  var clusterLayer = L.layerGroup();
  var wide = D.alerts.filter(function (a) { return a.unit === 'sector' || a.unit === 'line' || a.kind === 'exchange'; });
  D.alerts.filter(function (a) { return wide.indexOf(a) < 0; }).forEach(function (a) {
    var colour = D.levelColours[a.level] || '#888';
    var shape;
    if (a.geometry) {
      shape = L.geoJSON(a.geometry, {style: {color: colour, weight: 2, fillColor: colour, fillOpacity: 0.35}});
    } else if (a.lat !== null) {
      shape = L.circleMarker([a.lat, a.lon], {renderer: renderer, radius: 8 + a.score / 6, color: colour,
        weight: 2, fillColor: colour, fillOpacity: 0.4});
    }
    if (shape) {
      shape.bindTooltip(esc(a.name) + ' (' + esc(a.unit) + '): ' + esc(a.level) + ' (' + esc(a.score) + ')');
      shape.bindPopup(alertPopup(a));
      alertLayer.addLayer(shape);
    }
    if (a.lat !== null) {
      clusterLayer.addLayer(L.circle([a.lat, a.lon], {radius: a.radius, color: colour, weight: 1,
        dashArray: '4 4', fill: false}).bindTooltip('cluster ' + esc(a.name) + ', score ' + esc(a.score),
        {permanent: false}));
    }
  });

  var radii = {2: 15000, 3: 45000};
  var allFeatures = D.rows.map(function (row) {
    var p = {};
    D.fields.forEach(function (name, k) { p[name] = row[k]; });
    p.radius = radii[p.precision] || 0;
    return {type: 'Feature', geometry: {type: 'Point', coordinates: [p.lon, p.lat]}, properties: p};
  });
  function incidentLayer(features) {
    return L.geoJSON({type: 'FeatureCollection', features: features}, {
      pointToLayer: function (f, latlng) {
        var p = f.properties, colour = D.typeColours[p.type] || '#555';
        var size = 4 + Math.min(10, 2 * Math.log(1 + (p.deaths || 0)));
        if (p.precision > 1) {
          return L.circle(latlng, {renderer: renderer, radius: p.radius, color: colour, weight: 1,
            dashArray: '3 3', fillColor: colour, fillOpacity: 0.12});
        }
        return L.circleMarker(latlng, {renderer: renderer, radius: size, color: '#222', weight: 1,
          fillColor: colour, fillOpacity: 0.85});
      },
      onEachFeature: function (f, layer) {
        layer.bindTooltip(esc(f.properties.title));
        layer.bindPopup(function () { return incidentPopup(f.properties); });
      }
    });
  }
  var incidents = L.layerGroup().addTo(map);
  var window_days = 30;
  function refresh() {
    var end = new Date(D.day + 'T23:59:59Z').getTime();
    var start = end - window_days * 86400000;
    var shown = allFeatures.filter(function (f) {
      var t = new Date(f.properties.date + 'T12:00:00Z').getTime();
      return t > start && t <= end;
    });
    incidents.clearLayers();
    incidents.addLayer(incidentLayer(shown));
    document.body.setAttribute('data-incidents-shown', String(shown.length));
  }
  refresh();

  var line = D.line ? L.geoJSON(D.line, {style: {color: '#b71c1c', weight: 4, opacity: 0.9, dashArray: '10 6'}})
    .bindTooltip('Durand Line (Natural Earth)') : L.layerGroup();
  var crossings = L.layerGroup();
  D.crossings.forEach(function (c) {
    crossings.addLayer(L.circleMarker([c.lat, c.lon], {renderer: renderer, radius: 5, color: '#000',
      weight: 2, fillColor: '#fff', fillOpacity: 1}).bindTooltip(esc(c.name)));
  });
  var outlines = L.geoJSON({type: 'GeometryCollection', geometries: D.outlines},
    {style: {color: '#555', weight: 1, fillColor: '#f3efe6', fillOpacity: 0.6}, interactive: false});
  outlines.addTo(map); outlines.bringToBack();
  alertLayer.addTo(map); clusterLayer.addTo(map); line.addTo(map); crossings.addTo(map);
  overlays['Country outlines (Natural Earth)'] = outlines;
  overlays['Alerts by district and province'] = alertLayer;
  overlays['Alert outlines and scores'] = clusterLayer;
  overlays['Incidents'] = incidents;
  overlays['Durand Line'] = line;
  overlays['Border crossings'] = crossings;
  L.control.layers(null, overlays, {collapsed: false}).addTo(map);

  var filter = L.control({position: 'topleft'});
  filter.onAdd = function () {
    var div = L.DomUtil.create('div', 'dw-panel');
    div.innerHTML = '<h4>Incidents to ' + esc(D.day) + '</h4>' + [[1, 'last 24 h'], [7, 'last 7 days'], [30, 'last 30 days']]
      .map(function (o) { return '<label><input type="radio" name="dw-window" value="' + o[0] + '"' +
        (o[0] === 30 ? ' checked' : '') + '> ' + o[1] + '</label>'; }).join('<br>');
    L.DomEvent.disableClickPropagation(div);
    div.addEventListener('change', function (e) { window_days = Number(e.target.value); refresh(); });
    return div;
  };
  filter.addTo(map);

  if (wide.length) {
    var panel = L.control({position: 'topright'});
    panel.onAdd = function () {
      var div = L.DomUtil.create('div', 'dw-panel dw-wide');
      div.innerHTML = '<h4>Sectors of the line, the whole border, exchanges</h4>' + wide.map(function (a) {
        return '<details><summary><span class="dw-swatch" style="background:' + (D.levelColours[a.level] || '#888') +
          '"></span>' + esc(a.name) + ' &middot; ' + (a.kind === 'exchange' ? 'exchange' : 'escalation') + '</summary>' +
          alertPopup(a) + '</details>';
      }).join('');
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    panel.addTo(map);
  }

  var legend = L.control({position: 'bottomright'});
  legend.onAdd = function () {
    var div = L.DomUtil.create('div', 'dw-panel');
    var html = '<h4>Incident type</h4>';
    Object.keys(D.typeColours).forEach(function (k) {
      html += '<span class="dw-swatch" style="background:' + D.typeColours[k] + '"></span>' + esc(k) + '<br>';
    });
    html += '<h4>Alert level</h4>';
    ['red', 'orange', 'yellow'].forEach(function (k) {
      html += '<span class="dw-swatch" style="background:' + D.levelColours[k] + '"></span>' + k + '<br>';
    });
    html += '<small>Dot size: deaths. Dashed circles: district- or province-level<br>reports, drawn as the area they may be in.</small>';
    div.innerHTML = html;
    return div;
  };
  legend.addTo(map);
  D.attributions.forEach(function (a) { map.attributionControl.addAttribution(esc(a)); });
  document.body.setAttribute('data-incidents', String(allFeatures.length));
  document.body.setAttribute('data-alerts', String(D.alerts.length));
  document.body.setAttribute('data-ready-ms', String(Math.round(performance.now())));
  document.body.setAttribute('data-ready', '1');
});
"""
