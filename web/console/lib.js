// The console's helpers: DOM building (no innerHTML anywhere: everything
// shown is text), the two languages, and /api/v1 with the session's CSRF
// token on every change.
let lang = localStorage.getItem('ff-lang') === 'en' ? 'en' : 'zh';
let session = null;

export function getLang() { return lang; }
export function setLang(l) { lang = l === 'en' ? 'en' : 'zh'; localStorage.setItem('ff-lang', lang); }
// t('中文', 'English'): the text in the chosen language.
export function t(zh, en) { return lang === 'en' ? en : zh; }
export function getSession() { return session; }
export function setSession(s) { session = s; }

// h('div', {class: 'x', onclick: fn, dataset: {id: 1}}, 'text', child, [more])
export function h(tag, attrs, ...children) {
	const el = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === null || v === undefined || v === false) continue;
		if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
		else if (k === 'dataset') Object.assign(el.dataset, v);
		else if (k === 'value') el.value = v;
		else el.setAttribute(k, v === true ? '' : String(v));
	}
	const add = (c) => {
		if (c === null || c === undefined || c === false) return;
		if (Array.isArray(c)) { c.forEach(add); return; }
		el.append(c instanceof Node ? c : document.createTextNode(String(c)));
	};
	children.forEach(add);
	return el;
}

export class ApiError extends Error {
	constructor(status, code, message) { super(message || code); this.status = status; this.code = code; }
}

// api('GET', '/tips?state=received') or api('POST', '/broadcasts', {...}):
// the parsed JSON answer, or throws ApiError with the server's message.
export async function api(method, path, body, opts = {}) {
	const headers = { 'Accept': 'application/json' };
	if (method !== 'GET' && session && session.csrf) headers['X-CSRF-Token'] = session.csrf;
	let payload;
	if (body !== undefined) {
		if (typeof body === 'string') { payload = body; headers['Content-Type'] = opts.type || 'text/plain; charset=utf-8'; }
		else { payload = JSON.stringify(body); headers['Content-Type'] = 'application/json'; }
	}
	const r = await fetch('/api/v1' + path, { method, headers, body: payload, credentials: 'same-origin' });
	const text = await r.text();
	if (opts.raw) { if (!r.ok) throw new ApiError(r.status, 'error', text); return text; }
	let data = null;
	try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
	if (!r.ok) throw new ApiError(r.status, data && data.error || 'error', data && data.message || text);
	return data;
}

// A message line for a page: kind 'ok' or 'error'.
export function notice(kind, text) { return h('p', { class: 'notice ' + kind, role: kind === 'error' ? 'alert' : 'status' }, text); }

export function fmtTime(secs) {
	if (!secs) return '';
	const d = new Date(secs * 1000);
	const p = (n) => String(n).padStart(2, '0');
	return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

// A table: cols [{zh, en, get(row) -> text|Node}], rows.
export function table(cols, rows) {
	return h('table', {},
		h('thead', {}, h('tr', {}, cols.map((c) => h('th', {}, t(c.zh, c.en))))),
		h('tbody', {}, rows.map((r) => h('tr', {}, cols.map((c) => h('td', {}, c.get(r)))))));
}

// A chart from Chart.js (vendored from Debian's libjs-chart.js, loaded as
// /assets/vendor/chart.min.js by index.html): returns the canvas's box.
export function chart(config, label) {
	const canvas = h('canvas', { role: 'img', 'aria-label': label || '' });
	const box = h('div', { class: 'chart' }, canvas);
	requestAnimationFrame(() => { box.chart = new window.Chart(canvas, config); });
	return box;
}
