// 审计日志 the audit log of the caller's area, newest first, a page at a
// time, filtered by action.
import { h, t, api, table, fmtTime } from '../lib.js';

export default {
	id: 'audit', zh: '审计日志', en: 'Audit log', minRole: 'liaison',
	async render(root) {
		const action = h('input', { type: 'text', id: 'audit-action', placeholder: t('操作，如 notice publish', 'action, e.g. notice publish') });
		const body = h('tbody', {});
		const more = h('button', { type: 'button', id: 'audit-more' }, t('更多', 'More'));
		let before = null;
		const load = async (fresh) => {
			if (fresh) { body.replaceChildren(); before = null; }
			const q = new URLSearchParams({ limit: 50 });
			if (before) q.set('before', before);
			if (action.value.trim()) q.set('action', action.value.trim());
			const r = await api('GET', '/audit?' + q);
			for (const e of r.items)
				body.append(h('tr', {}, [fmtTime(e.at), e.actor, e.action, e.detail, e.area || ''].map((v) => h('td', {}, v))));
			before = r.next_before;
			more.hidden = !before;
		};
		more.addEventListener('click', () => load(false));
		const form = h('form', { class: 'form inline' }, h('label', {}, t('操作', 'Action'), action), h('button', { type: 'submit' }, t('筛选', 'Filter')));
		form.addEventListener('submit', (ev) => { ev.preventDefault(); load(true); });
		const head = table([{ zh: '时间', en: 'Time' }, { zh: '操作人', en: 'Actor' }, { zh: '操作', en: 'Action' }, { zh: '内容', en: 'Detail' }, { zh: '区域', en: 'Area' }].map((c) => ({ ...c, get: () => '' })), []);
		head.replaceChild(body, head.querySelector('tbody'));
		root.append(h('h1', {}, t('审计日志', 'Audit log')), h('section', { class: 'card' }, form, h('div', { class: 'scroll' }, head), more));
		await load(true);
	},
};
