// 提醒 reminders as a calendar: a month grid with each reminder's coming
// times (from its preview), and the list of reminders below it.
import { h, t, api, notice, table } from '../lib.js';

const DAYS = [['一', 'Mon'], ['二', 'Tue'], ['三', 'Wed'], ['四', 'Thu'], ['五', 'Fri'], ['六', 'Sat'], ['日', 'Sun']];
const pad = (n) => String(n).padStart(2, '0');

// The month grid of year y, month m (1..12); byDay maps YYYY-MM-DD to
// [{time, title}] in the reminder's own time zone.
function month(y, m, byDay) {
	const first = new Date(y, m - 1, 1);
	const lead = (first.getDay() + 6) % 7;
	const days = new Date(y, m, 0).getDate();
	const cells = [];
	for (let i = 0; i < lead; i++) cells.push(h('div', { class: 'cal-cell empty' }));
	for (let d = 1; d <= days; d++) {
		const key = `${y}-${pad(m)}-${pad(d)}`;
		const ev = byDay.get(key) || [];
		cells.push(h('div', { class: 'cal-cell' + (ev.length ? ' has' : ''), dataset: { day: key } },
			h('span', { class: 'cal-day' }, String(d)),
			ev.map((e) => h('span', { class: 'cal-event' + (e.paused ? ' paused' : '') }, `${e.time} ${e.title}`))));
	}
	return h('div', { class: 'cal', id: 'calendar' },
		DAYS.map(([zh, en]) => h('div', { class: 'cal-head' }, t(zh, en))), cells);
}

export default {
	id: 'reminders', zh: '提醒日历', en: 'Reminders',
	async render(root, params, query) {
		const now = new Date();
		const [y, m] = (query.get('m') || `${now.getFullYear()}-${now.getMonth() + 1}`).split('-').map(Number);
		const list = (await api('GET', '/reminders?limit=100')).items;
		const byDay = new Map();
		await Promise.all(list.filter((r) => !r.paused).map(async (r) => {
			const p = await api('GET', `/reminders/${r.id}/preview?count=100`);
			for (const iso of p.times) {
				if (!iso) continue;
				const day = iso.slice(0, 10);
				if (!byDay.has(day)) byDay.set(day, []);
				byDay.get(day).push({ time: iso.slice(11, 16), title: r.title });
			}
		}));
		for (const v of byDay.values()) v.sort((a, b) => a.time.localeCompare(b.time));
		const prev = m === 1 ? `${y - 1}-12` : `${y}-${m - 1}`;
		const next = m === 12 ? `${y + 1}-1` : `${y}-${m + 1}`;
		root.append(h('h1', {}, t('提醒日历', 'Reminder calendar')),
			h('section', { class: 'card' },
				h('div', { class: 'cal-nav' },
					h('a', { href: '/admin/reminders?m=' + prev }, t('‹ 上月', '‹ Previous')),
					h('strong', {}, `${y}-${pad(m)}`),
					h('a', { href: '/admin/reminders?m=' + next }, t('下月 ›', 'Next ›'))),
				month(y, m, byDay),
				h('p', { class: 'hint' }, t('显示每条提醒今后的 100 次以内的时间（已暂停的不显示）。', 'Shows each active reminder\'s next times (up to 100).'))),
			h('section', { class: 'card' }, h('h2', {}, t('全部提醒', 'All reminders')),
				list.length ? h('div', { class: 'scroll' }, table([
					{ zh: '标题', en: 'Title', get: (r) => r.title },
					{ zh: '区域', en: 'Area', get: (r) => r.area },
					{ zh: '规则', en: 'Rule', get: (r) => r.rrule },
					{ zh: '下次', en: 'Next', get: (r) => r.next ? r.next.slice(0, 16).replace('T', ' ') : '—' },
					{ zh: '状态', en: 'State', get: (r) => r.paused ? t('已暂停', 'paused') : t('启用', 'active') },
				], list)) : notice('ok', t('还没有提醒。', 'No reminders yet.'))));
	},
};
