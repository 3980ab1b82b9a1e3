// nhi HTML report: draws the page from the JSON report embedded in #nhi-report.
// Everything is built with DOM calls and textContent (never innerHTML), so no string in the
// report is ever read as markup. Nothing here knows a provider: it groups by the report's fields.
(function () {
  'use strict';

  var started = performance.now(); // load timings, for benches/results.md
  // A large report goes on in elements of class nhi-report-part (a browser builds many small
  // elements far faster than one huge one); their text joined is the JSON report.
  var source = document.getElementById('nhi-report');
  var more = document.querySelectorAll('script.nhi-report-part');
  var text = [source.textContent];
  for (var p = 0; p < more.length; p++) text.push(more[p].textContent);
  var report = JSON.parse(text.join(''));
  var parsed = performance.now();
  text = null;
  // The parsed copy is all we need; let the text go.
  source.textContent = '';
  for (p = 0; p < more.length; p++) more[p].textContent = '';
  var identities = report.identities || [];
  var NOW = Date.parse(report.evaluated_at);
  var DAY = 86400000;
  var ROW_H = 36; // keep in step with --row-h in style.css
  var SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'];
  var RANK = { critical: 5, high: 4, medium: 3, low: 2, info: 1, none: 0 };
  var AGE_BUCKETS = ['<7d', '<30d', '<90d', '<365d', 'older'];
  var SVGNS = 'http://www.w3.org/2000/svg';

  // ---- small helpers ------------------------------------------------------------------------

  function el(tag, props) {
    var e = document.createElement(tag);
    setProps(e, props);
    for (var i = 2; i < arguments.length; i++) append(e, arguments[i]);
    return e;
  }

  function svg(tag, attrs) {
    var e = document.createElementNS(SVGNS, tag);
    setProps(e, attrs);
    for (var i = 2; i < arguments.length; i++) append(e, arguments[i]);
    return e;
  }

  function setProps(e, props) {
    if (!props) return;
    Object.keys(props).forEach(function (k) {
      var v = props[k];
      if (v === null || v === undefined || v === false) return;
      if (k === 'text') e.textContent = v;
      else if (k === 'class') e.setAttribute('class', v);
      else if (k.slice(0, 2) === 'on') e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : String(v));
    });
  }

  function append(parent, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { append(parent, c); }); return; }
    parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }

  function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); }

  function fmt(n) { return Number(n).toLocaleString('en-US'); }

  function plural(n, one, many) { return fmt(n) + ' ' + (n === 1 ? one : (many || one + 's')); }

  function daysSince(time) {
    var t = Date.parse(time);
    if (isNaN(t) || isNaN(NOW)) return null;
    return Math.max(0, Math.floor((NOW - t) / DAY));
  }

  function ageBucket(days) {
    if (days < 7) return '<7d';
    if (days < 30) return '<30d';
    if (days < 90) return '<90d';
    if (days < 365) return '<365d';
    return 'older';
  }

  function ago(days) {
    if (days === null) return '';
    if (days === 0) return 'today';
    if (days < 365) return days + ' d ago';
    return (days / 365).toFixed(1) + ' y ago';
  }

  function dateOnly(time) { return time ? String(time).slice(0, 10) : ''; }

  function shortName(ref) {
    // The last segment of an id or path reads best in a chain; the full value is in the tooltip.
    var s = String(ref);
    var cut = Math.max(s.lastIndexOf('/'), s.lastIndexOf(':'));
    return cut >= 0 && cut < s.length - 1 ? s.slice(cut + 1) : s;
  }

  function sevBadge(sev) { return el('span', { class: 'sev bg-' + sev + ' ' + sev, text: sev }); }

  function uniqueSorted(values) {
    var seen = {};
    values.forEach(function (v) { if (v !== null && v !== undefined && v !== '') seen[v] = true; });
    return Object.keys(seen).sort();
  }

  // ---- per-identity facts, computed once ------------------------------------------------------

  function suppressed(f) { return !!(f.suppression && typeof f.suppression === 'object'); }

  function suppressionExpired(s) {
    if (!s || !s.expires) return false;
    var t = Date.parse(s.expires);
    return !isNaN(t) && !isNaN(NOW) && t < NOW;
  }

  function lastUseOf(it) {
    if (it.usage === 'never') return { bucket: 'never', days: null };
    if (it.last_used_at) {
      var d = daysSince(it.last_used_at);
      if (d !== null) return { bucket: ageBucket(d), days: d };
    }
    return { bucket: 'unknown', days: null };
  }

  function unowned(it) { return !it.owner && !it.provider_managed; }

  var rows = identities.map(function (it, index) {
    var findings = it.findings || [];
    var risk = it.risk || {};
    var sev = risk.severity || 'none';
    var use = lastUseOf(it);
    var baselines = {};
    var anySuppressed = false, anyOpen = false;
    findings.forEach(function (f) {
      if (typeof f.baseline === 'string') baselines[f.baseline] = true;
      if (suppressed(f)) anySuppressed = true; else anyOpen = true;
    });
    var owner = it.owner ? it.owner.value : '';
    return {
      index: index,
      it: it,
      sev: sev,
      rank: RANK[sev] || 0,
      score: Number(risk.score) || 0,
      nameKey: String(it.name || '').toLowerCase(),
      use: use,
      // Sorting by last use puts the longest unused first; never used is the longest of all.
      useKey: use.bucket === 'never' ? Infinity : use.days,
      owner: owner,
      unowned: unowned(it),
      baselines: baselines,
      anySuppressed: anySuppressed,
      allSuppressed: anySuppressed && !anyOpen,
      anyOpen: anyOpen,
      search: [it.name, it.id, owner, it.scope, it.kind, it.provider, it.ai_agent]
        .concat(findings.map(function (f) { return f.rule_id; }))
        .join('\n').toLowerCase()
    };
  });

  var hasBaseline = rows.some(function (r) { return Object.keys(r.baselines).length > 0; });
  var hasSuppression = rows.some(function (r) { return r.anySuppressed; });

  // ---- header, sources, tiles ---------------------------------------------------------------

  function drawHeader() {
    var sources = report.sources || [];
    var scopes = uniqueSorted(sources.map(function (s) {
      return s.scope ? s.connector + ' ' + s.scope : s.connector;
    }));
    var tool = report.tool || {};
    append(document.getElementById('meta'), [
      scopes.length ? scopes.join(', ') + ' · ' : '',
      'evaluated at ' + report.evaluated_at,
      ' · ' + (tool.name || 'nhi') + ' ' + (tool.version || ''),
      ' · schema ' + report.schema_version
    ]);
    document.title = 'nhi report · ' + (scopes.join(', ') || 'no source') + ' · ' + dateOnly(report.evaluated_at);
  }

  function drawSourcesAlert() {
    var sources = report.sources || [];
    var bad = sources.filter(function (s) { return s.status !== 'ok'; });
    var box = document.getElementById('sources-alert');
    if (!bad.length) return;
    var incomplete = bad.some(function (s) { return s.status === 'failed' || s.status === 'partial'; });
    var anyFailed = bad.some(function (s) { return s.status === 'failed'; });
    box.className = 'alert ' + (anyFailed ? 'failed' : 'partial');
    box.setAttribute('role', 'alert');
    append(box, [
      el('strong', {
        text: plural(bad.length, 'source') + ' of ' + sources.length +
          (incomplete ? ' could not be read completely: this report covers only what was read.' : ' were not read.')
      }),
      el('ul', null, bad.map(function (s) {
        return el('li', null,
          el('span', { class: 'badge status-' + s.status, text: s.status }), ' ',
          el('b', { text: [s.connector, s.scope, s.kind].filter(Boolean).join(' ') }), ' ',
          el('span', { class: 'mono', text: s.origin || '' }),
          s.message ? [' — ', s.message] : null);
      }))
    ]);
    box.hidden = false;
  }

  function drawSourcesTable() {
    var sources = report.sources || [];
    var details = document.getElementById('sources');
    if (sources.some(function (s) { return s.status !== 'ok'; })) details.open = true;
    var summary = details.querySelector('summary');
    append(summary, el('span', { class: 'count', text: '  ' + plural(sources.length, 'source') }));
    append(document.getElementById('sources-table'), el('table', { class: 'grid' },
      el('thead', null, el('tr', null, ['status', 'connector', 'scope', 'kind', 'origin', 'identities', 'message']
        .map(function (h) { return el('th', { text: h }); }))),
      el('tbody', null, sources.map(function (s) {
        return el('tr', null,
          el('td', null, el('span', { class: 'badge status-' + s.status, text: s.status })),
          el('td', { text: s.connector }),
          el('td', { text: s.scope || '' }),
          el('td', { text: s.kind || '' }),
          el('td', { class: 'mono', text: s.origin || '' }),
          el('td', { class: 'num', text: fmt(s.identities || 0) }),
          el('td', { text: s.message || '' }));
      }))));
  }

  function sum(obj) {
    return Object.keys(obj || {}).reduce(function (a, k) { return a + (Number(obj[k]) || 0); }, 0);
  }

  function drawTiles() {
    var s = report.summary || {};
    var by = s.by_severity || {};
    var unownedCount = rows.filter(function (r) { return r.unowned; }).length;
    var tiles = document.getElementById('tiles');
    function tile(n, label, cls, onclick, title) {
      return el(onclick ? 'button' : 'div', { class: 'tile ' + (cls || ''), onclick: onclick, title: title, type: onclick ? 'button' : null },
        el('span', { class: 'n', text: fmt(n) }), el('span', { class: 'l', text: label }));
    }
    append(tiles, [
      tile(s.identities || identities.length, 'identities', '', function () { resetFilters(); }),
      tile(s.findings || 0, 'findings'),
      // Accepted risks (nhi.toml [[suppress]]) and, with --baseline, what is new: when present.
      s.suppressed ? tile(s.suppressed, 'suppressed (accepted risks)', '', function () { setFilter('suppression', 'suppressed'); }) : null,
      s.baseline ? tile(s.baseline['new'] || 0, 'new since the baseline', '', function () { setFilter('baseline', 'new'); }) : null,
      tile(by.critical || 0, 'critical findings', 'critical', function () { setFilter('severity', 'critical'); }),
      tile(by.high || 0, 'high findings', 'high', function () { setFilter('severity', 'high'); }),
      tile(unownedCount, 'unowned identities', '', function () { setOwner(null); },
        'identities with no owner (provider-managed ones excluded)'),
      tile(sum(s.ai_agents), 'AI agent identities'),
      tile(s.not_judged || 0, 'not judged (provider-managed)'),
      tile(sum(s.excluded), 'people left out',
        '', null, Object.keys(s.excluded || {}).map(function (k) { return k + ': ' + s.excluded[k]; }).join(', '))
    ]);
  }

  // ---- charts (inline SVG) ------------------------------------------------------------------

  function chartCard(title, chart, legend, note) {
    return el('div', { class: 'card' }, el('h2', { text: title }), chart, legend || null,
      note ? el('div', { class: 'legend', text: note }) : null);
  }

  function legendOf(parts) {
    return el('div', { class: 'legend' }, parts.map(function (p) {
      return el('span', null, el('i', { class: 'bg-' + p.cls }), p.label);
    }));
  }

  // Horizontal bars; each item {label, parts: [{value, cls, label}], note, onclick}.
  function hbars(items, opts) {
    opts = opts || {};
    var notes = items.map(function (item) { return item.note !== undefined ? item.note : fmt(total(item)); });
    var longest = Math.max.apply(null, notes.map(function (n) { return String(n).length; }).concat([1]));
    // Room for the longest note at about 7 units a character (12 px text in a 400-unit view).
    var labelW = opts.labelW || 130, width = 400, barH = 18, gap = 7, noteW = Math.max(36, longest * 7 + 6);
    var max = Math.max(1, Math.max.apply(null, items.map(total)));
    var height = Math.max(1, items.length) * (barH + gap) + 4;
    var area = width - labelW - noteW - 8;
    var root = svg('svg', { class: 'chart', viewBox: '0 0 ' + width + ' ' + height, role: 'img', 'aria-label': opts.aria || '' });
    if (!items.length) append(root, svg('text', { x: 0, y: 14, class: 'muted', text: 'nothing to show' }));
    items.forEach(function (item, i) {
      var y = i * (barH + gap) + 2;
      var g = svg('g', { class: item.onclick ? 'bar' : null, onclick: item.onclick });
      append(g, svg('title', { text: item.title || (item.label + ': ' + fmt(total(item))) }));
      append(g, svg('text', { x: labelW - 6, y: y + 13, 'text-anchor': 'end', text: clip(item.label, Math.floor(labelW / 7)) }));
      append(g, svg('rect', { class: 'track', x: labelW, y: y, width: area, height: barH, rx: 3 }));
      var x = labelW;
      item.parts.forEach(function (p) {
        if (!p.value) return;
        var w = Math.max(1, p.value / max * area);
        append(g, svg('rect', { class: 'fill-' + p.cls, x: x.toFixed(1), y: y, width: w.toFixed(1), height: barH, rx: 2 }));
        x += w;
      });
      append(g, svg('text', { x: labelW + area + 6, y: y + 13, text: notes[i] }));
      append(root, g);
    });
    return root;
  }

  // Vertical columns for age buckets; each item {label, parts, onclick}.
  function columns(items, opts) {
    opts = opts || {};
    var width = 400, height = 170, base = 140, top = 16, colGap = 10;
    var max = Math.max(1, Math.max.apply(null, items.map(total)));
    var colW = (width - colGap * (items.length + 1)) / items.length;
    var root = svg('svg', { class: 'chart', viewBox: '0 0 ' + width + ' ' + height, role: 'img', 'aria-label': opts.aria || '' });
    append(root, svg('line', { class: 'axis', x1: 0, x2: width, y1: base + 0.5, y2: base + 0.5 }));
    items.forEach(function (item, i) {
      var x = colGap + i * (colW + colGap);
      var g = svg('g', { class: item.onclick ? 'bar' : null, onclick: item.onclick });
      append(g, svg('title', { text: item.label + ': ' + fmt(total(item)) }));
      var y = base;
      item.parts.forEach(function (p) {
        if (!p.value) return;
        var h = Math.max(1, p.value / max * (base - top));
        y -= h;
        append(g, svg('rect', { class: 'fill-' + p.cls, x: x.toFixed(1), y: y.toFixed(1), width: colW.toFixed(1), height: h.toFixed(1), rx: 2 }));
      });
      append(g, svg('text', { x: (x + colW / 2).toFixed(1), y: (y - 4).toFixed(1), 'text-anchor': 'middle', text: fmt(total(item)) }));
      append(g, svg('text', { x: (x + colW / 2).toFixed(1), y: base + 16, 'text-anchor': 'middle', class: 'muted', text: item.label }));
      append(root, g);
    });
    return root;
  }

  function total(item) { return item.parts.reduce(function (a, p) { return a + (p.value || 0); }, 0); }

  function clip(s, n) { s = String(s); return s.length > n ? s.slice(0, n - 1) + '…' : s; }

  function countBy(list, key) {
    var out = {};
    list.forEach(function (x) { var k = key(x); out[k] = (out[k] || 0) + 1; });
    return out;
  }

  function drawCharts() {
    var charts = document.getElementById('charts');
    var by = (report.summary || {}).by_severity || {};

    append(charts, chartCard('Findings by severity', hbars(SEVERITIES.map(function (s) {
      return { label: s, parts: [{ value: by[s] || 0, cls: s }], onclick: function () { setFilter('severity', s); } };
    }), { aria: 'findings by severity', labelW: 80 })));

    // Findings by provider, each bar split by severity.
    var perProvider = {};
    identities.forEach(function (it) {
      var p = perProvider[it.provider] || (perProvider[it.provider] = { ids: 0 });
      p.ids++;
      (it.findings || []).forEach(function (f) { p[f.severity] = (p[f.severity] || 0) + 1; });
    });
    var providers = Object.keys(perProvider).sort();
    append(charts, chartCard('Findings by provider', hbars(providers.map(function (name) {
      var p = perProvider[name];
      return {
        label: name,
        parts: SEVERITIES.map(function (s) { return { value: p[s] || 0, cls: s }; }),
        title: name + ': ' + SEVERITIES.map(function (s) { return (p[s] || 0) + ' ' + s; }).join(', ') + ' (' + plural(p.ids, 'identity', 'identities') + ')',
        onclick: function () { setFilter('provider', name); }
      };
    }), { aria: 'findings by provider', labelW: 90 }),
    legendOf(SEVERITIES.map(function (s) { return { cls: s, label: s }; }))));

    // Identities by last use, split by their risk severity.
    var useBuckets = AGE_BUCKETS.concat(['never', 'unknown']);
    var useCounts = {};
    rows.forEach(function (r) {
      var c = useCounts[r.use.bucket] || (useCounts[r.use.bucket] = {});
      c[r.sev] = (c[r.sev] || 0) + 1;
    });
    var sevAndNone = SEVERITIES.concat(['none']);
    append(charts, chartCard('Identities by last use', columns(useBuckets.map(function (b) {
      var c = useCounts[b] || {};
      return {
        label: b,
        parts: sevAndNone.map(function (s) { return { value: c[s] || 0, cls: s }; }),
        onclick: function () { setFilter('lastuse', b); }
      };
    }), { aria: 'identities by last use' }),
    legendOf(sevAndNone.map(function (s) { return { cls: s, label: s === 'none' ? 'no finding' : s }; }))));

    // Credentials by age (since creation), active ones apart from the rest.
    var credCounts = {};
    var credTotal = 0;
    identities.forEach(function (it) {
      (it.credentials || []).forEach(function (c) {
        credTotal++;
        var d = c.created_at ? daysSince(c.created_at) : null;
        var b = d === null ? 'unknown' : ageBucket(d);
        var k = c.status === 'active' ? 'active' : 'other';
        var e = credCounts[b] || (credCounts[b] = {});
        e[k] = (e[k] || 0) + 1;
      });
    });
    append(charts, chartCard('Credentials by age', columns(AGE_BUCKETS.concat(['unknown']).map(function (b) {
      var c = credCounts[b] || {};
      return { label: b, parts: [{ value: c.active || 0, cls: 'accent' }, { value: c.other || 0, cls: 'muted' }] };
    }), { aria: 'credentials by age' }),
    legendOf([{ cls: 'accent', label: 'active' }, { cls: 'muted', label: 'inactive, expired, revoked or unknown' }]),
    plural(credTotal, 'credential') + ' (keys, tokens, secrets); age since creation'));

    // The riskiest owners: summed risk of what they own, with their critical and high findings.
    var owners = {};
    rows.forEach(function (r) {
      if (!r.owner) return;
      var o = owners[r.owner] || (owners[r.owner] = { risk: 0, severe: 0, ids: 0 });
      o.risk += r.score;
      o.ids++;
      (r.it.findings || []).forEach(function (f) { if (f.severity === 'critical' || f.severity === 'high') o.severe++; });
    });
    var top = Object.keys(owners).sort(function (a, b) {
      return owners[b].risk - owners[a].risk || owners[b].severe - owners[a].severe || (a < b ? -1 : a > b ? 1 : 0);
    }).slice(0, 8);
    var unownedCount = rows.filter(function (r) { return r.unowned; }).length;
    append(charts, chartCard('Riskiest owners', hbars(top.map(function (name) {
      var o = owners[name];
      return {
        label: name,
        parts: [{ value: o.risk, cls: o.severe ? 'high' : 'accent' }],
        note: fmt(o.risk) + ' · ' + o.severe + ' c/h',
        title: name + ': summed risk ' + fmt(o.risk) + ', ' + o.severe + ' critical or high findings, ' + plural(o.ids, 'identity', 'identities'),
        onclick: function () { setOwner(name); }
      };
    }), { aria: 'riskiest owners', labelW: 110 }), null,
    'summed risk score of the identities each owns · c/h = critical and high findings · ' + plural(unownedCount, 'identity', 'identities') + ' without an owner'));

    // Findings by category (every category is in the summary).
    var cats = (report.summary || {}).by_category || {};
    append(charts, chartCard('Findings by category', hbars(Object.keys(cats).sort().map(function (c) {
      return { label: c, parts: [{ value: cats[c], cls: 'accent' }] };
    }), { aria: 'findings by category', labelW: 110 })));
  }

  // ---- the identity table ------------------------------------------------------------------

  var state = { severity: '', provider: '', kind: '', lastuse: '', baseline: '', suppression: '', q: '', owner: undefined, sort: 'risk', dir: -1 };
  var view = rows.slice();
  var selected = -1;
  var controls = {};

  var COLUMNS = [
    { key: 'severity', label: 'Severity' },
    { key: 'risk', label: 'Risk', sort: 'risk', num: true },
    { key: 'name', label: 'Identity', sort: 'name' },
    { key: 'provider', label: 'Provider' },
    { key: 'kind', label: 'Kind' },
    { key: 'owner', label: 'Owner' },
    { key: 'lastuse', label: 'Last use', sort: 'lastuse' },
    { key: 'findings', label: 'Findings', num: true }
  ];
  // Direction each sort starts with: the riskiest, A to Z, the longest unused.
  var FIRST_DIR = { risk: -1, name: 1, lastuse: -1 };

  function select(name, label, options) {
    var s = el('select', { id: 'f-' + name, 'aria-label': label, onchange: function () { state[name] = s.value; apply(); } },
      el('option', { value: '', text: 'any' }),
      options.map(function (o) { return el('option', { value: o.value, text: o.label }); }));
    controls[name] = s;
    return el('label', null, label, s);
  }

  function drawFilters() {
    var f = document.getElementById('filters');
    var q = el('input', { id: 'f-q', type: 'search', placeholder: 'search name, id, owner, scope, rule…', 'aria-label': 'search' });
    var timer = null;
    q.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(function () { state.q = q.value.trim().toLowerCase(); apply(); }, 120);
    });
    controls.q = q;
    function opts(values) { return values.map(function (v) { return { value: v, label: v }; }); }
    append(f, [
      q,
      select('severity', 'severity', opts(SEVERITIES.concat(['none']))),
      select('provider', 'provider', opts(uniqueSorted(identities.map(function (i) { return i.provider; })))),
      select('kind', 'kind', opts(uniqueSorted(identities.map(function (i) { return i.kind; })))),
      select('lastuse', 'last use', opts(AGE_BUCKETS.concat(['never', 'unknown'])))
    ]);
    if (hasBaseline) {
      var seen = {};
      rows.forEach(function (r) { Object.keys(r.baselines).forEach(function (b) { seen[b] = true; }); });
      append(f, select('baseline', 'baseline', Object.keys(seen).sort().map(function (b) { return { value: b, label: b }; })));
    }
    if (hasSuppression) {
      append(f, select('suppression', 'suppressed', [
        { value: 'open', label: 'with open findings' },
        { value: 'suppressed', label: 'with suppressed findings' }
      ]));
    }
    var chip = el('span', { id: 'f-owner', class: 'chip', hidden: true });
    controls.ownerChip = chip;
    append(f, [chip, el('button', { type: 'button', class: 'linkish', text: 'reset', onclick: function () { resetFilters(); } })]);
  }

  function drawHead() {
    var head = document.getElementById('table-head');
    var row = el('div', { class: 'thead', role: 'row' });
    COLUMNS.forEach(function (c) {
      var cell = el('div', { role: 'columnheader', class: c.num ? 'num' : null, 'data-col': c.key });
      if (c.sort) {
        append(cell, el('button', { type: 'button', id: 'sort-' + c.sort, text: c.label, onclick: function () {
          if (state.sort === c.sort) state.dir = -state.dir; else { state.sort = c.sort; state.dir = FIRST_DIR[c.sort]; }
          apply();
        } }));
      } else {
        append(cell, c.label);
      }
      append(row, cell);
    });
    append(head, row);
  }

  function matches(r) {
    if (state.severity && r.sev !== state.severity) return false;
    if (state.provider && r.it.provider !== state.provider) return false;
    if (state.kind && r.it.kind !== state.kind) return false;
    if (state.lastuse && r.use.bucket !== state.lastuse) return false;
    if (state.baseline && !r.baselines[state.baseline]) return false;
    if (state.suppression === 'open' && !r.anyOpen) return false;
    if (state.suppression === 'suppressed' && !r.anySuppressed) return false;
    if (state.owner === null && !r.unowned) return false;
    if (typeof state.owner === 'string' && r.owner !== state.owner) return false;
    if (state.q && r.search.indexOf(state.q) < 0) return false;
    return true;
  }

  function compare(a, b) {
    var d = 0;
    if (state.sort === 'name') d = a.nameKey < b.nameKey ? -1 : a.nameKey > b.nameKey ? 1 : 0;
    else if (state.sort === 'lastuse') {
      // Identities whose last use is unknown go last whichever way the column is sorted.
      if (a.useKey === null || b.useKey === null) {
        if (a.useKey === b.useKey) return a.index - b.index;
        return a.useKey === null ? 1 : -1;
      }
      d = a.useKey === b.useKey ? 0 : a.useKey < b.useKey ? -1 : 1;
    } else d = (a.score - b.score) || (a.rank - b.rank) || ((a.it.findings || []).length - (b.it.findings || []).length);
    return d * state.dir || a.index - b.index;
  }

  function apply() {
    view = rows.filter(matches);
    view.sort(compare);
    COLUMNS.forEach(function (c) {
      var cell = document.querySelector('[data-col="' + c.key + '"]');
      if (cell && c.sort) cell.setAttribute('aria-sort', state.sort === c.sort ? (state.dir > 0 ? 'ascending' : 'descending') : 'none');
    });
    var chip = controls.ownerChip;
    clear(chip);
    if (state.owner !== undefined) {
      append(chip, ['owner: ', state.owner === null ? '(none)' : state.owner,
        el('button', { type: 'button', 'aria-label': 'clear owner filter', text: '×', onclick: function () { setOwner(undefined); } })]);
      chip.hidden = false;
    } else chip.hidden = true;
    document.getElementById('count').textContent = view.length === rows.length
      ? plural(rows.length, 'identity', 'identities')
      : fmt(view.length) + ' of ' + plural(rows.length, 'identity', 'identities');
    document.getElementById('empty').hidden = view.length > 0;
    viewport.hidden = view.length === 0;
    document.getElementById('spacer').style.height = (view.length * ROW_H) + 'px';
    viewport.scrollTop = 0;
    renderRows();
  }

  function setFilter(name, value) {
    state[name] = value;
    if (controls[name]) controls[name].value = value;
    apply();
    document.getElementById('identities-title').scrollIntoView({ block: 'start' });
  }

  function setOwner(owner) {
    state.owner = owner;
    apply();
    if (owner !== undefined) document.getElementById('identities-title').scrollIntoView({ block: 'start' });
  }

  function resetFilters() {
    ['severity', 'provider', 'kind', 'lastuse', 'baseline', 'suppression'].forEach(function (k) {
      state[k] = '';
      if (controls[k]) controls[k].value = '';
    });
    state.q = '';
    controls.q.value = '';
    state.owner = undefined;
    apply();
  }

  var viewport = document.getElementById('viewport');
  var rowsBox = document.getElementById('rows');
  var pending = false;

  function renderRows() {
    pending = false;
    var overscan = 8;
    var first = Math.max(0, Math.floor(viewport.scrollTop / ROW_H) - overscan);
    var count = Math.ceil((viewport.clientHeight || 600) / ROW_H) + 2 * overscan;
    var last = Math.min(view.length, first + count);
    rowsBox.style.transform = 'translateY(' + (first * ROW_H) + 'px)';
    var frag = document.createDocumentFragment();
    for (var i = first; i < last; i++) frag.appendChild(rowElement(view[i], i));
    clear(rowsBox);
    rowsBox.appendChild(frag);
  }

  function rowElement(r, position) {
    var it = r.it;
    var n = (it.findings || []).length;
    var badges = [];
    if (r.baselines['new']) badges.push(el('span', { class: 'badge new', text: 'new' }));
    if (r.allSuppressed) badges.push(el('span', { class: 'badge suppressed', text: 'suppressed' }));
    else if (r.anySuppressed) badges.push(el('span', { class: 'badge suppressed', text: 'part suppressed' }));
    if (it.ai_agent) badges.push(el('span', { class: 'badge', text: 'AI agent' }));
    var use = r.use.bucket === 'never' ? 'never' : r.use.bucket === 'unknown' ? 'unknown' : ago(r.use.days);
    return el('div', {
      class: 'row' + (r.index === selected ? ' selected' : ''), role: 'row', tabindex: 0,
      'data-index': r.index, 'data-severity': r.sev, 'data-provider': it.provider, 'data-kind': it.kind,
      'data-badges': badges.map(function (b) { return b.textContent; }).join(','),
      'aria-rowindex': position + 1
    },
      el('div', { role: 'cell' }, sevBadge(r.sev)),
      el('div', { role: 'cell', class: 'num', text: r.score }),
      el('div', { role: 'cell', title: it.id }, el('span', { class: 'name', text: it.name }), badges,
        el('span', { class: 'sub', text: '  ' + (it.scope || '') })),
      el('div', { role: 'cell', text: it.provider }),
      el('div', { role: 'cell', text: it.kind, title: it.kind }),
      el('div', { role: 'cell', text: r.owner || (it.provider_managed ? 'provider-managed' : '—'), title: it.owner ? it.owner.source : null }),
      el('div', { role: 'cell', text: use, title: it.last_used_at || it.usage }),
      el('div', { role: 'cell', class: 'num', text: n }));
  }

  viewport.addEventListener('scroll', function () {
    if (!pending) { pending = true; requestAnimationFrame(renderRows); }
  });
  rowsBox.addEventListener('click', function (e) {
    var row = e.target.closest('.row');
    if (row) openDetail(Number(row.getAttribute('data-index')));
  });
  rowsBox.addEventListener('keydown', function (e) {
    var row = e.target.closest('.row');
    if (!row) return;
    if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); openDetail(Number(row.getAttribute('data-index'))); }
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      var next = e.key === 'ArrowDown' ? row.nextElementSibling : row.previousElementSibling;
      if (next) next.focus();
      else viewport.scrollTop += (e.key === 'ArrowDown' ? ROW_H : -ROW_H);
    }
  });
  window.addEventListener('resize', function () { renderRows(); });

  // ---- one identity ------------------------------------------------------------------------

  var detail = document.getElementById('detail');
  var backdrop = document.getElementById('backdrop');
  var lastFocus = null;

  // Privilege chains are found by shape, whichever rule wrote them: a list of hops under
  // `hops`, or paths that each carry one `hop`. A hop names `from`, `to` and its `actions`.
  function isHop(h) { return h && typeof h === 'object' && h.from && h.to; }

  function chainsOf(evidence) {
    var out = [];
    if (!evidence || typeof evidence !== 'object') return out;
    if (Array.isArray(evidence.hops) && evidence.hops.every(isHop) && evidence.hops.length) {
      out.push({ title: 'path of ' + plural(evidence.hops.length, 'step'), hops: evidence.hops });
    }
    if (Array.isArray(evidence.paths)) {
      evidence.paths.forEach(function (p) {
        if (p && isHop(p.hop)) {
          out.push({
            title: [p.id, p.name, p.certainty ? '(' + p.certainty + ' certainty)' : ''].filter(Boolean).join(' · '),
            summary: p.summary, reason: p.reason, url: p.url, hops: [p.hop]
          });
        }
      });
    }
    return out;
  }

  function chainElement(c) {
    var line = el('div', { class: 'chain' });
    c.hops.forEach(function (h, i) {
      if (i === 0) append(line, el('span', { class: 'node', title: h.from, text: shortName(h.from) }));
      var actions = Array.isArray(h.actions) ? h.actions : [];
      append(line, el('span', { class: 'step', title: h.outcome || '' },
        actions.map(function (a) { return el('code', { text: a }); }),
        el('span', { class: 'arrow', text: '→' })));
      append(line, el('span', { class: 'node', title: h.to, text: shortName(h.to) }));
    });
    var link = typeof c.url === 'string' && /^https?:\/\//.test(c.url)
      ? el('a', { href: c.url, target: '_blank', rel: 'noopener noreferrer', text: 'about this path' }) : null;
    return el('div', null,
      el('div', { class: 'chain-title' }, c.title, link ? [' · ', link] : null),
      line,
      c.summary ? el('div', { class: 'fine', text: c.summary }) : null,
      c.reason ? el('div', { class: 'fine', text: c.reason }) : null);
  }

  function findingElement(f) {
    var s = f.suppression && typeof f.suppression === 'object' ? f.suppression : null;
    var chains = chainsOf(f.evidence);
    var evidence = el('details', { class: 'ev' }, el('summary', { text: 'evidence (JSON)' }));
    evidence.addEventListener('toggle', function () {
      if (evidence.open && !evidence.querySelector('pre')) {
        append(evidence, el('pre', { class: 'evidence', text: JSON.stringify(f.evidence, null, 2) }));
      }
    });
    var expired = s && suppressionExpired(s);
    return el('div', { class: 'finding ' + f.severity, 'data-rule': f.rule_id },
      el('div', null, sevBadge(f.severity), ' ', el('span', { class: 'finding-title', text: f.title }), ' ',
        el('code', { text: f.rule_id }),
        typeof f.baseline === 'string' ? el('span', { class: 'badge' + (f.baseline === 'new' ? ' new' : ''), text: f.baseline }) : null,
        s ? el('span', { class: 'badge suppressed' + (expired ? ' expired' : ''), text: expired ? 'suppression expired' : 'suppressed' }) : null),
      el('div', { class: 'fine', text: [f.category, f.confidence ? 'confidence ' + f.confidence : '', f.credential_id ? 'credential ' + f.credential_id : ''].filter(Boolean).join(' · ') }),
      s ? el('div', { class: 'suppression' },
        'Suppressed' + (s.accepted_by ? ' by ' + s.accepted_by : '') + (s.expires ? ' until ' + s.expires : '') + (s.reason ? ': ' + s.reason : '')) : null,
      el('p', { text: f.message }),
      chains.length ? [el('div', { class: 'label', text: 'privilege path' }), chains.map(chainElement)] : null,
      f.remediation ? [el('div', { class: 'label', text: 'remediation' }), el('p', { text: f.remediation })] : null,
      el('div', { class: 'fine' }, [
        f.owasp && f.owasp.length ? 'OWASP ' + f.owasp.join(', ') : '',
        f.cis && f.cis.length ? 'CIS ' + f.cis.join(', ') : '',
        'fingerprint ' + f.fingerprint
      ].filter(Boolean).join(' · ')),
      evidence);
  }

  function fact(label, value) {
    if (value === null || value === undefined || value === '') return null;
    return [el('dt', { text: label }), el('dd', null, value)];
  }

  function when(time, usage) {
    if (time) { var d = daysSince(time); return time + (d === null ? '' : ' (' + ago(d) + ')'); }
    return usage || '';
  }

  function openDetail(index) {
    var r = rows[index];
    if (!r) return;
    selected = index;
    var it = r.it;
    if (detail.hidden) lastFocus = document.activeElement;
    clear(detail);
    var close = el('button', { type: 'button', class: 'close', text: 'close', onclick: closeDetail });
    var creds = it.credentials || [];
    append(detail, [
      el('div', { class: 'detail-head' }, el('h2', { id: 'detail-title', text: it.name }), close),
      el('div', null, sevBadge(r.sev), ' risk ', el('b', { text: r.score }), ' · ', plural((it.findings || []).length, 'finding')),
      el('dl', { class: 'facts' }, [
        fact('id', el('span', { class: 'mono', text: it.id })),
        fact('provider', it.provider), fact('kind', it.kind), fact('scope', it.scope),
        fact('origin', it.origin ? el('span', { class: 'mono', text: it.origin }) : null),
        fact('owner', it.owner ? it.owner.value + ' (from ' + it.owner.source + ')' : (it.provider_managed ? 'provider-managed' : 'none')),
        fact('created', it.created_at ? when(it.created_at) : ''),
        fact('last used', when(it.last_used_at, it.usage)),
        fact('AI agent', it.ai_agent),
        fact('provider-managed', it.provider_managed ? 'yes (not judged)' : '')
      ]),
      creds.length ? [el('h3', { text: 'Credentials' }), el('table', { class: 'grid' },
        el('thead', null, el('tr', null, ['id', 'kind', 'status', 'created', 'last used', 'expires']
          .map(function (h) { return el('th', { text: h }); }))),
        el('tbody', null, creds.map(function (c) {
          return el('tr', null, el('td', { class: 'mono', text: c.id }), el('td', { text: c.kind }), el('td', { text: c.status }),
            el('td', { text: dateOnly(c.created_at) }), el('td', { text: c.last_used_at ? dateOnly(c.last_used_at) : c.usage }),
            el('td', { text: dateOnly(c.expires_at) }));
        })))] : null,
      el('h3', { text: 'Findings' }),
      (it.findings || []).length ? it.findings.map(findingElement) : el('p', { class: 'fine', text: 'No finding.' })
    ]);
    detail.hidden = false;
    backdrop.hidden = false;
    close.focus();
    try { history.replaceState(null, '', '#identity=' + encodeURIComponent(it.id)); } catch (e) { /* file: may refuse */ }
    renderRows();
  }

  function closeDetail() {
    detail.hidden = true;
    backdrop.hidden = true;
    selected = -1;
    try { history.replaceState(null, '', '#'); } catch (e) { /* file: may refuse */ }
    renderRows();
    if (lastFocus && lastFocus.focus) lastFocus.focus();
  }

  backdrop.addEventListener('click', closeDetail);
  window.addEventListener('hashchange', openFromHash);
  document.addEventListener('keydown', function (e) { if (e.key === 'Escape' && !detail.hidden) closeDetail(); });

  function openFromHash() {
    var m = /^#identity=(.+)$/.exec(location.hash);
    if (!m) return;
    var id;
    try { id = decodeURIComponent(m[1]); } catch (e) { return; }
    for (var i = 0; i < rows.length; i++) if (rows[i].it.id === id) { openDetail(i); return; }
  }

  // ---- draw --------------------------------------------------------------------------------

  drawHeader();
  drawSourcesAlert();
  drawTiles();
  drawCharts();
  drawSourcesTable();
  drawFilters();
  drawHead();
  apply();
  openFromHash();
  document.body.setAttribute('data-ready', String(Math.round(performance.now())));
  document.body.setAttribute('data-timings', 'script ' + Math.round(started) + ' ms, parsed ' +
    Math.round(parsed) + ' ms, drawn ' + Math.round(performance.now()) + ' ms');
})();
