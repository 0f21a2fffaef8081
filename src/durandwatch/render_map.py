"""The daily alert map: a folium (Leaflet) page that works offline.

Layers an analyst can switch: the districts and provinces of both sides, faintly (from
the embedded simplified layer or the full pack), alerts by district and province (their
shapes shaded by level; circles where no shape is known), cluster outlines with
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
from collections.abc import Callable, Sequence
from datetime import date
from functools import lru_cache
from typing import Any

import folium
import numpy as np
import shapely
from jinja2.utils import htmlsafe_json_dumps

from . import topology
from .boundaries import Boundaries, haversine_km
from .dedup import Incident
from .gazetteer import Place
from .lifecycle import Alert

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


def _offline_assets() -> dict[str, str]:
    from offlinefolium.elements import _res  # the folium-offline package's embedded assets

    return {LEAFLET_JS: _res[LEAFLET_JS], LEAFLET_CSS: _res[LEAFLET_CSS]}


def build_map(
    day: date,
    incidents: Sequence[Incident],
    alerts: Sequence[Alert],
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
        "alerts": [_alert_feature(a, boundaries) for a in alerts if a.level != "green"],
        "admin": admin_topology(boundaries) if boundaries is not None else None,
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
    page_data = htmlsafe_json_dumps(data, separators=(",", ":"))
    script = _SCRIPT.replace("__DATA__", str(page_data)).replace("__MAP__", fmap.get_name())
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


def _incident_row(inc: Incident) -> list[Any] | None:
    """One incident as a compact row (the page turns rows into GeoJSON features)."""
    loc = inc.location
    if loc is None or loc.lat is None or loc.lon is None:
        return None
    title = inc.title
    sources = [[s.outlet, s.url] + ([s.title] if s.title != title else []) for s in inc.sources]
    frange = inc.fatalities_range
    return [
        inc.id,
        title,
        inc.event_date.isoformat(),
        inc.first_reported.isoformat(),
        inc.event_type,
        inc.sub_event_type,
        inc.fatalities,
        list(frange) if frange and frange[0] != frange[1] else None,
        loc.place,
        loc.admin1,
        loc.admin2,
        loc.precision or 3,
        loc.distance_km,
        inc.direction if inc.cross_border else None,
        [f"{a.name} ({a.role})" for a in inc.actors],
        inc.outlets,
        sources,
        round(float(loc.lon), 4),
        round(float(loc.lat), 4),
    ]


#: Display simplification of the district layer on the map (degrees; about 1 km): the
#: shapes are for orientation and shading, the geocoder uses the finer ones. They go into
#: the page as TopoJSON (neighbours share their border, quantised), decoded by its script.
DISPLAY_TOLERANCE = 0.01
DISPLAY_QUANTIZATION = 10_000


@lru_cache(maxsize=4)
def admin_topology(boundaries: Boundaries) -> dict[str, Any] | None:
    """The districts of both sides and their provinces for the map, as one topology.

    A province is drawn as the union of its districts, so the two layers line up. Kept
    per ``Boundaries`` (the service draws a map a day from the same one).
    """
    admin2 = boundaries.admin2
    if admin2 is None:
        return None
    districts: list[tuple[dict[str, Any], Any]] = []
    provinces: list[tuple[dict[str, Any], Any]] = []
    for country in dict.fromkeys(labels[0] for labels in admin2.labels):
        rows = [n for n, labels in enumerate(admin2.labels) if labels[0] == country]
        shapes = _display([admin2.geoms[n] for n in rows])
        by_province: dict[str, list[Any]] = {}
        for n, shape in zip(rows, shapes, strict=True):
            _, province, name = admin2.labels[n]
            districts.append(({"c": country, "p": province, "n": name}, shape))
            by_province.setdefault(province, []).append(shape)
        provinces.extend(
            ({"c": country, "n": province}, _union(parts))
            for province, parts in by_province.items()
        )
    return topology.encode(
        {"districts": districts, "provinces": provinces}, quantization=DISPLAY_QUANTIZATION
    )


def _display(geoms: Sequence[Any]) -> Any:
    """Shapes simplified for the map, together so that neighbours keep one border."""
    array = np.asarray(geoms, dtype=object)
    if shapely.coverage_is_valid(array):
        return shapely.coverage_simplify(array, DISPLAY_TOLERANCE)
    return shapely.simplify(array, DISPLAY_TOLERANCE / 2)


def _union(parts: Sequence[Any]) -> Any:
    array = np.asarray(parts, dtype=object)
    union = (
        shapely.coverage_union_all(array)
        if shapely.coverage_is_valid(array)
        else shapely.union_all(array)
    )
    return shapely.make_valid(union, method="structure", keep_collapsed=False)


def _alert_feature(alert: Alert, boundaries: Boundaries | None) -> dict[str, Any]:
    """An alert for the map: its unit's shape when polygons are present, else a point.

    District and province alerts are drawn as their unit; a district the polygon set does
    not have (Chaman, split from Killa Abdullah in 2021) as the older unit holding it,
    outlined dashed. Sector and line alerts (and exchanges across the line) are listed in
    a panel, with their chain of incidents.
    """
    unit = alert.unit
    geometry = None
    approximate = False
    shape = None
    country = alert.country or ""
    if boundaries is not None and unit == "district" and alert.admin2:
        found = boundaries.district_shape(country, alert.admin2)
        if found is not None:
            _, shape, exact = found
            approximate = not exact
    elif boundaries is not None and unit == "province" and alert.admin1:
        shape = boundaries.province_shape(country, alert.admin1)
    if shape is not None:
        geometry = shapely.geometry.mapping(shapely.simplify(shape, 0.005))
    # The outline covers the alert's incidents (at least 15 km around its centre).
    radius = 15_000.0 if unit == "district" else 40_000.0
    if alert.lat is not None and alert.lon is not None:
        for inc in alert.incidents:
            if inc.lat is not None and inc.lon is not None:
                km = haversine_km(
                    float(alert.lat), float(alert.lon), float(inc.lat), float(inc.lon)
                )
                radius = max(radius, km * 1000 + 8_000)
    severity = alert.severity
    return {
        "id": alert.alert_id,
        "name": alert.name,
        "unit": unit,
        "kind": alert.kind,
        "level": alert.level,
        "score": alert.score,
        "status": alert.status,
        "trend": alert.trend,
        "admin1": alert.admin1,
        "admin2": alert.admin2,
        "country": alert.country,
        "lat": alert.lat,
        "lon": alert.lon,
        "reasons": list(alert.reasons),
        "severity": f"{severity.points} ({severity.level})" if severity else None,
        "drivers": [d.name for d in alert.drivers],
        "chain": list(alert.chain),
        "incidents": len(alert.incidents),
        "geometry": geometry,
        "approximate": approximate,
        "radius": round(radius),
        "silence": alert.silence,
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
      (a.approximate ? '<br><i>area shown: the older district that holds it</i>' : '') +
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
      shape = L.geoJSON(a.geometry, {style: {color: colour, weight: 2, fillColor: colour, fillOpacity: a.approximate ? 0.2 : 0.35,
        dashArray: a.approximate ? '6 4' : null}});
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
  var alerted = {};
  D.alerts.forEach(function (a) {
    if (a.unit === 'district' && a.geometry && !a.approximate) { alerted[a.country + '/' + a.admin2] = true; }
  });
  function topoFeatures(t, name) {
    var sx = t.transform.scale[0], sy = t.transform.scale[1], tx = t.transform.translate[0], ty = t.transform.translate[1];
    var arcs = t.arcs.map(function (arc) {
      var x = 0, y = 0;
      return arc.map(function (p) { x += p[0]; y += p[1]; return [x * sx + tx, y * sy + ty]; });
    });
    function ring(ids) {
      var out = [];
      ids.forEach(function (i, k) {
        var a = i >= 0 ? arcs[i] : arcs[~i].slice().reverse();
        out = out.concat(k ? a.slice(1) : a);
      });
      return out;
    }
    return t.objects[name].geometries.map(function (g) {
      var coords = g.type === 'Polygon' ? g.arcs.map(ring) : g.arcs.map(function (p) { return p.map(ring); });
      return {type: 'Feature', properties: g.properties, geometry: {type: g.type, coordinates: coords}};
    });
  }
  var sideFill = {AF: '#8d6e63', PK: '#5c6bc0'};
  var districtFeatures = D.admin ? topoFeatures(D.admin, 'districts') : [];
  var districts = L.geoJSON({type: 'FeatureCollection', features: districtFeatures}, {style: function (f) {
    var p = f.properties;
    return {color: '#6d6d6d', weight: 0.6, opacity: 0.8, fillColor: sideFill[p.c] || '#9e9e9e',
      fillOpacity: alerted[p.c + '/' + p.n] ? 0 : 0.12};
  }, onEachFeature: function (f, layer) {
    var p = f.properties;
    layer.bindTooltip(esc(p.n) + ' (' + esc(p.p) + ', ' + esc(p.c) + ')', {sticky: true});
  }});
  var provinces = L.geoJSON({type: 'FeatureCollection', features: D.admin ? topoFeatures(D.admin, 'provinces') : []},
    {style: {color: '#444', weight: 1.4, opacity: 0.7, fill: false}, interactive: false});
  var adminLayer = L.layerGroup([districts, provinces]);
  adminLayer.addTo(map);
  alertLayer.addTo(map); clusterLayer.addTo(map); line.addTo(map); crossings.addTo(map);
  overlays['Country outlines (Natural Earth)'] = outlines;
  overlays['Districts and provinces (geoBoundaries)'] = adminLayer;
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
  document.body.setAttribute('data-districts', String(districtFeatures.length));
  document.body.setAttribute('data-alert-shapes', String(D.alerts.filter(function (a) { return a.geometry; }).length));
  document.body.setAttribute('data-ready-ms', String(Math.round(performance.now())));
  document.body.setAttribute('data-ready', '1');
});
"""
