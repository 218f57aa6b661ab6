// 一封公开信 open letters: the list, a new letter, its poster codes, the
// print sheet, and its reach per area as a chart and a table.
import { h, t, api, notice, table, chart, getSession } from '../lib.js';
import { rank } from '../app.js';

const PER = [['building', '每栋楼', 'per building'], ['grid', '每个网格', 'per grid'], ['community', '每个社区', 'per community']];

function field(zh, en, input) { return h('label', {}, t(zh, en), input); }

// Submits a form with fn, showing its outcome in out.
function onSubmit(form, out, fn) {
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		out.replaceChildren();
		try { await fn(); } catch (e) { out.replaceChildren(notice('error', e.message)); }
	});
}

function newLetter(reload) {
	const s = getSession();
	const title = h('input', { type: 'text', required: true, maxlength: 200, id: 'letter-title' });
	const body = h('textarea', { required: true, rows: 6, id: 'letter-body' });
	const issuer = h('input', { type: 'text', required: true, id: 'letter-issuer' });
	const date = h('input', { type: 'date', required: true, id: 'letter-date' });
	const area = h('input', { type: 'text', required: true, value: s.area, id: 'letter-area' });
	const out = h('div', {});
	const form = h('form', { class: 'card form', id: 'letter-new' }, h('h2', {}, t('新建公开信', 'New letter')),
		field('标题', 'Title', title), field('正文', 'Text', body), field('落款', 'Issuer', issuer),
		field('日期', 'Date', date), field('区域', 'Area', area),
		h('button', { type: 'submit', class: 'primary' }, t('保存', 'Save')), out);
	onSubmit(form, out, async () => {
		const r = await api('POST', '/letters', { title: title.value, body: body.value, issuer: issuer.value, date: date.value, area: area.value });
		out.replaceChildren(notice('ok', t(`已保存，编号 ${r.id}`, `Saved as letter ${r.id}`)));
		await reload();
	});
	return form;
}

// The reach of one letter: a bar chart of scans and households per area,
// and the same figures as a table.
function reach(stats) {
	const rows = stats.areas;
	const pct = (r) => r.reach_rate === null ? '—' : (r.reach_rate * 100).toFixed(1) + '%';
	return h('div', { class: 'reach' },
		rows.length ? chart({
			type: 'bar',
			data: {
				labels: rows.map((r) => r.area.split('/').slice(-2).join('/')),
				datasets: [
					{ label: t('扫码人数', 'Devices'), data: rows.map((r) => r.unique_devices), backgroundColor: '#c0392b' },
					{ label: t('扫码次数', 'Scans'), data: rows.map((r) => r.scans), backgroundColor: '#e67e22' },
					{ label: t('户数', 'Households'), data: rows.map((r) => r.households), backgroundColor: '#95a5a6' },
				],
			},
			options: { responsive: true, maintainAspectRatio: false, animation: false },
		}, t('各区域触达', 'Reach per area')) : null,
		h('div', { class: 'scroll' }, table([
			{ zh: '区域', en: 'Area', get: (r) => r.area },
			{ zh: '码数', en: 'Codes', get: (r) => String(r.codes) },
			{ zh: '未扫码', en: 'Never scanned', get: (r) => String(r.codes_never_scanned) },
			{ zh: '扫码次数', en: 'Scans', get: (r) => String(r.scans) },
			{ zh: '扫码人数', en: 'Devices', get: (r) => String(r.unique_devices) },
			{ zh: '户数', en: 'Households', get: (r) => String(r.households) },
			{ zh: '触达率', en: 'Reach', get: pct },
		], rows)));
}

async function showLetter(box, l) {
	const office = rank(getSession().role) >= rank('office');
	const stats = await api('GET', `/letters/${l.id}/stats`);
	const out = h('div', {});
	const parts = [h('h2', {}, l.title), h('p', {}, `${l.issuer} · ${l.date} · ${l.area}`)];
	if (office) {
		const area = h('input', { type: 'text', required: true, value: getSession().area, id: 'codes-area' });
		const per = h('select', { id: 'codes-per' }, PER.map(([v, zh, en]) => h('option', { value: v }, t(zh, en))));
		const count = h('input', { type: 'number', min: 1, max: 100, value: 1, id: 'codes-count' });
		const place = h('input', { type: 'text', id: 'codes-place', placeholder: t('如：电梯厅', 'e.g. lift lobby') });
		const codes = h('form', { class: 'form inline', id: 'letter-codes' }, field('区域', 'Area', area), field('粒度', 'Per', per),
			field('每处张数', 'Each', count), field('张贴位置', 'Place', place),
			h('button', { type: 'submit' }, t('生成二维码', 'Make codes')),
			h('button', { type: 'button', id: 'print-sheet', onclick: async () => {
				try {
					const r = await api('POST', `/letters/${l.id}/print-link`, { area: area.value });
					window.open(r.url, '_blank', 'noopener');
					out.replaceChildren(notice('ok', t('打印页已在新窗口打开。', 'The print sheet opened in a new window.')), h('p', {}, h('a', { href: r.url, target: '_blank', rel: 'noopener' }, r.url)));
				} catch (e) { out.replaceChildren(notice('error', e.message)); }
			} }, t('打开打印页', 'Open the print sheet')));
		onSubmit(codes, out, async () => {
			const r = await api('POST', `/letters/${l.id}/codes`, { area: area.value, per: per.value, count: Number(count.value), place: place.value || undefined });
			out.replaceChildren(notice('ok', t(`已生成 ${r.made} 个码`, `${r.made} codes made`)));
			await showLetter(box, l);
		});
		parts.push(codes, out);
	}
	parts.push(h('h3', {}, t('触达', 'Reach')), reach(stats));
	box.replaceChildren(h('section', { class: 'card', id: 'letter-detail', dataset: { letter: l.id } }, parts));
}

export default {
	id: 'letters', zh: '公开信', en: 'Letters',
	async render(root, params) {
		const list = h('div', { id: 'letter-list', class: 'scroll' });
		const detail = h('div', {});
		let items = [];
		const open = (l) => showLetter(detail, l).catch((e) => detail.replaceChildren(notice('error', e.message)));
		const reload = async () => {
			items = (await api('GET', '/letters?limit=100')).items;
			list.replaceChildren(items.length ? table([
				{ zh: '编号', en: 'No.', get: (l) => String(l.id) },
				{ zh: '标题', en: 'Title', get: (l) => h('a', { href: '/admin/letters/' + l.id, class: 'open-letter' }, l.title) },
				{ zh: '日期', en: 'Date', get: (l) => l.date },
				{ zh: '区域', en: 'Area', get: (l) => l.area },
			], items) : h('p', {}, t('还没有公开信。', 'No letters yet.')));
		};
		root.append(h('h1', {}, t('一封公开信', 'Open letters')), h('section', { class: 'card' }, list), detail);
		if (rank(getSession().role) >= rank('office')) root.append(newLetter(reload));
		await reload();
		const want = items.find((l) => String(l.id) === params[0]);
		if (want) await open(want);
	},
};
