// 巡查 patrol coverage per grid and ISO week: buildings patrolled, the
// ones left, and the grid workers with no patrol.
import { h, t, api, table } from '../lib.js';
import { go } from '../app.js';

export default {
	id: 'patrols', zh: '巡查', en: 'Patrols',
	async render(root, params, query) {
		const week = query.get('week');
		const cov = await api('GET', '/patrols' + (week ? '?week=' + encodeURIComponent(week) : ''));
		const pick = h('input', { type: 'week', value: cov.week, id: 'patrol-week' });
		pick.addEventListener('change', () => { if (pick.value) go('/admin/patrols?week=' + encodeURIComponent(pick.value.toUpperCase())); });
		const pct = cov.buildings ? Math.round(100 * cov.patrolled / cov.buildings) : 0;
		root.append(h('h1', {}, t('巡查覆盖', 'Patrol coverage')),
			h('section', { class: 'card' },
				h('label', {}, t('周', 'Week'), pick),
				h('p', { id: 'patrol-summary' }, t(`${cov.week}：${cov.grids_count} 个网格，${cov.buildings} 栋楼已巡查 ${cov.patrolled} 栋（${pct}%）`,
					`${cov.week}: ${cov.grids_count} grids, ${cov.patrolled} of ${cov.buildings} buildings patrolled (${pct}%)`)),
				h('div', { class: 'scroll' }, table([
					{ zh: '网格', en: 'Grid', get: (g) => g.grid },
					{ zh: '已巡查/楼栋', en: 'Patrolled', get: (g) => h('span', { class: g.missing_count ? 'short' : 'full' }, `${g.patrolled}/${g.buildings}`) },
					{ zh: '未巡查楼栋', en: 'Not patrolled', get: (g) => g.missing.map((p) => p.split('/').pop()).join('、') + (g.missing_count > g.missing.length ? ' …' : '') },
					{ zh: '未巡查网格员', en: 'Idle workers', get: (g) => g.idle_workers.map((w) => w.name).join('、') },
				], cov.grids))));
	},
};
