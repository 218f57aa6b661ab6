// 概览 overview: this month's tips by area and state, broadcasts and their
// delivery, the newest letter's reach per community and this week's
// patrols — each chart beside a table holding the same numbers.
import { h, t, api, table, chart, fmtTime } from '../lib.js';
import { go } from '../app.js';

const COLORS = ['#9aa5b1', '#5b8def', '#f2a33a', '#b7b7b7', '#d64545', '#8e5bd6', '#2f9e62'];

// An area's name in a line of the figures: its last part, 本级 for the
// caller's own area, 区域不明 for tips of no known area.
function lineName(a) {
	if (a.area === null) return t('区域不明', 'Unknown area');
	if (a.own) return t('本级', 'Own level');
	return a.area.split('/').pop();
}

// A canvas's box from chart() with an id on its canvas, so that tests and
// readers can find it.
function namedChart(id, config, label) {
	const box = chart(config, label);
	box.querySelector('canvas').id = id;
	return box;
}

function tipsSection(tips) {
	const lines = tips.areas;
	const stateName = (i) => t(tips.states_zh[i], tips.states[i]);
	const cfg = {
		type: 'bar',
		data: {
			labels: lines.map(lineName),
			datasets: tips.states.map((s, i) => ({
				label: stateName(i), data: lines.map((a) => a.counts[s]),
				backgroundColor: COLORS[i % COLORS.length],
			})),
		},
		options: { responsive: true, maintainAspectRatio: false, animation: false,
			scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } },
	};
	const cols = [{ zh: '区域', en: 'Area', get: lineName }]
		.concat(tips.states.map((s, i) => ({ zh: tips.states_zh[i], en: s, get: (a) => a.counts[s] })))
		.concat([{ zh: '合计', en: 'Total', get: (a) => a.total }]);
	const total = { area: '', own: false, counts: tips.counts, total: tips.total };
	const tbl = table(cols, lines);
	tbl.id = 'overview-tips-table';
	tbl.tBodies[0].append(h('tr', { class: 'sum' }, cols.map((c, i) =>
		h('td', {}, i === 0 ? t('合计', 'Total') : c.get(total)))));
	return h('section', { class: 'panel', id: 'overview-tips' },
		h('h2', {}, t(`本月线索 ${tips.total} 条`, `Tips this month: ${tips.total}`)),
		h('div', { class: 'split' },
			namedChart('chart-tips', cfg, t('本月线索按区域和状态', 'Tips this month by area and state')),
			h('div', { class: 'scroll' }, tbl)),
		tips.areas_left_out > 0 ? h('p', { class: 'hint', id: 'tips-more' },
			t(`另有 ${tips.areas_left_out} 个下级区域未列入上表，合计含全部区域。`,
				`${tips.areas_left_out} more areas are not in the table; the totals include them.`)) : null);
}

function broadcastsSection(b) {
	const tbl = table([
		{ zh: '时间', en: 'Sent', get: (r) => h('a', { href: '/admin/warn/' + r.id }, fmtTime(r.created_at)) },
		{ zh: '区域', en: 'Area', get: (r) => r.area },
		{ zh: '内容', en: 'Text', get: (r) => r.excerpt },
		{ zh: '已送达', en: 'Delivered', get: (r) => r.delivered },
		{ zh: '等待', en: 'Waiting', get: (r) => r.waiting },
		{ zh: '失败', en: 'Failed', get: (r) => h('span', { class: r.failed ? 'short' : null }, r.failed) },
	], b.items);
	tbl.id = 'overview-broadcasts-table';
	return h('section', { class: 'panel', id: 'overview-broadcasts' },
		h('h2', {}, t(`本月预警 ${b.count} 次`, `Warnings this month: ${b.count}`)),
		h('p', { class: 'figures' },
			h('span', { class: 'figure' }, h('b', { id: 'bc-delivered' }, b.delivered), t('已送达', 'delivered')),
			h('span', { class: 'figure' }, h('b', { id: 'bc-waiting' }, b.waiting), t('等待', 'waiting')),
			h('span', { class: 'figure' + (b.failed ? ' bad' : '') }, h('b', { id: 'bc-failed' }, b.failed), t('失败', 'failed'))),
		b.items.length ? h('div', { class: 'scroll' }, tbl) :
			h('p', { class: 'hint' }, t('本月尚未发送预警。', 'No warnings sent this month.')),
		b.count > b.items.length ? h('p', { class: 'hint', id: 'bc-more' },
			t(`上表为最新 ${b.items.length} 次，合计为本月全部 ${b.count} 次。`,
				`The table shows the newest ${b.items.length}; the totals are of all ${b.count}.`)) : null);
}

function reachSection(r) {
	const head = h('h2', {}, t('公开信触达', 'Letter reach'));
	if (!r) return h('section', { class: 'panel', id: 'overview-reach' }, head,
		h('p', { class: 'hint' }, t('尚无公开信。', 'No open letter yet.')));
	const pct = (c) => c.reach_rate === null ? null : Math.round(c.reach_rate * 1000) / 10;
	const name = (c) => c.area.split('/').pop();
	const cfg = {
		type: 'bar',
		data: { labels: r.communities.map(name),
			datasets: [{ label: t('触达率 %', 'Reach %'), data: r.communities.map(pct), backgroundColor: '#b00' }] },
		options: { responsive: true, maintainAspectRatio: false, animation: false, indexAxis: 'y',
			scales: { x: { beginAtZero: true, suggestedMax: 100 } } },
	};
	const tbl = table([
		{ zh: '社区', en: 'Community', get: name },
		{ zh: '户数', en: 'Households', get: (c) => c.households },
		{ zh: '设备', en: 'Devices', get: (c) => c.devices },
		{ zh: '触达率', en: 'Reach', get: (c) => pct(c) === null ? '—' : pct(c) + '%' },
	], r.communities);
	tbl.id = 'overview-reach-table';
	return h('section', { class: 'panel', id: 'overview-reach' }, head,
		h('p', {}, h('a', { href: '/admin/letters' }, r.title)),
		r.communities.length ? h('div', { class: 'split' },
			namedChart('chart-reach', cfg, t('各社区触达率', 'Reach per community')),
			h('div', { class: 'scroll' }, tbl)) :
			h('p', { class: 'hint' }, t('这封信尚未在社区张贴二维码。', 'This letter has no codes in communities yet.')));
}

function patrolsSection(p) {
	const pct = p.buildings ? Math.round(100 * p.patrolled / p.buildings) : 0;
	return h('section', { class: 'panel', id: 'overview-patrols' },
		h('h2', {}, t('本周巡查', 'Patrols this week')),
		h('p', { class: 'figures' }, h('span', { class: 'figure' }, h('b', { id: 'patrol-pct' }, pct + '%'),
			t(`${p.week}：${p.buildings} 栋楼已巡查 ${p.patrolled} 栋`, `${p.week}: ${p.patrolled} of ${p.buildings} buildings`))),
		h('div', { class: 'meter', role: 'img', 'aria-label': pct + '%' }, h('span', { class: 'meter-bar', dataset: { pct } })),
		h('p', {}, h('a', { href: '/admin/patrols' }, t('查看各网格', 'By grid'))));
}

export default {
	id: 'overview', zh: '概览', en: 'Overview',
	async render(root, params, query) {
		const month = query.get('month');
		const ov = await api('GET', '/overview' + (month ? '?month=' + encodeURIComponent(month) : ''));
		const pick = h('input', { type: 'month', id: 'overview-month', value: ov.month });
		pick.addEventListener('change', () => { if (pick.value) go('/admin/overview?month=' + encodeURIComponent(pick.value)); });
		root.append(h('div', { class: 'page-head' },
			h('h1', {}, t(`概览 · ${ov.area}`, `Overview · ${ov.area}`)),
			h('label', {}, t('月份', 'Month'), pick)),
		h('div', { class: 'panels' },
			tipsSection(ov.tips), broadcastsSection(ov.broadcasts),
			reachSection(ov.reach), patrolsSection(ov.patrols)));
		// The meter's width is set from script: the CSP allows no style
		// attributes in markup.
		root.querySelectorAll('.meter-bar').forEach((b) => { b.style.width = b.dataset.pct + '%'; });
	},
};
