// 预警 warnings: write a text, pick the area and the kinds of groups, see
// what it would reach (groups, SMS numbers and parts), send it, and watch
// its delivery per group until nothing is left waiting.
import { h, t, api, notice, table, getSession } from '../lib.js';
import { go } from '../app.js';

const KINDS = [
	['building', '楼栋群', 'Building groups', true], ['community', '社区群', 'Community groups', true],
	['grid_worker', '网格员群', 'Grid workers\' groups', false], ['police', '民警群', 'Police groups', false],
	['sms', '短信', 'SMS', false],
];
const STATES = {
	pending: ['等待发送', 'Waiting'], sending: ['发送中', 'Sending'], sent: ['已送达', 'Delivered'],
	delivered: ['已送达', 'Delivered'], failed: ['失败', 'Failed'], dead: ['失败', 'Failed'],
};
const POLL_MS = 2000;

function body(form) {
	const fd = new FormData(form);
	return {
		text: fd.get('text'), area: fd.get('area'),
		kinds: KINDS.map(([k]) => k).filter((k) => fd.get('kind-' + k)),
	};
}

function renderCompose(root) {
	const s = getSession();
	const out = h('div', { id: 'warn-preview', 'aria-live': 'polite' });
	const send = h('button', { type: 'button', id: 'warn-send', disabled: true }, t('发送预警', 'Send the warning'));
	const form = h('form', { class: 'form', id: 'warn-form' },
		h('label', {}, t('预警内容', 'Warning text'), h('textarea', { name: 'text', id: 'warn-text', rows: 5, maxlength: 2000, required: true })),
		h('label', {}, t('区域（路径）', 'Area (path)'), h('input', { name: 'area', id: 'warn-area', value: s.area, required: true })),
		h('fieldset', { class: 'kinds' }, h('legend', {}, t('发往', 'Send to')),
			KINDS.map(([k, zh, en, on]) => h('label', { class: 'check' },
				h('input', { type: 'checkbox', name: 'kind-' + k, value: '1', checked: on, id: 'warn-kind-' + k }), t(zh, en)))),
		h('div', { class: 'actions' },
			h('button', { type: 'submit', class: 'secondary', id: 'warn-preview-btn' }, t('预览', 'Preview')), send));
	// Any change needs a new preview before sending.
	form.addEventListener('input', () => { send.disabled = true; });
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const b = body(form);
		if (!b.kinds.length) { out.replaceChildren(notice('error', t('请至少选择一类群或短信。', 'Pick at least one kind.'))); return; }
		try {
			const p = await api('POST', '/broadcasts', { ...b, preview: true });
			out.replaceChildren(h('dl', { class: 'facts', id: 'warn-reach' },
				h('dt', {}, t('群', 'Groups')), h('dd', { id: 'warn-groups' }, p.groups),
				h('dt', {}, t('短信号码', 'SMS numbers')), h('dd', { id: 'warn-numbers' }, p.numbers),
				b.kinds.includes('sms') ? [
					h('dt', {}, t('每号短信条数', 'Parts per number')), h('dd', {}, p.sms.parts_per_number),
					h('dt', {}, t('短信总条数', 'Parts in all')), h('dd', { id: 'warn-parts' }, p.sms.parts_total),
				] : null),
			p.sms.cut ? notice('error', t('短信过长，将被截断。', 'The SMS is too long and will be cut.')) : null,
			p.groups + p.numbers === 0 ? notice('error', t('该区域没有可送达的群或号码。', 'Nothing in this area would receive it.')) : null);
			send.disabled = p.groups + p.numbers === 0;
		} catch (e) { out.replaceChildren(notice('error', e.message)); }
	});
	send.addEventListener('click', async () => {
		send.disabled = true;
		try {
			const r = await api('POST', '/broadcasts', body(form));
			go('/admin/warn/' + r.id);
		} catch (e) { out.append(notice('error', e.message)); }
	});
	root.append(h('h1', {}, t('发布预警', 'Send a warning')),
		h('section', { class: 'panel' }, form, out),
		h('p', { class: 'hint' }, t('本月已发的预警及送达情况见「概览」。', 'This month\'s warnings and their delivery are on the overview.')));
}

// One broadcast's delivery, polled every two seconds while the page
// shows it and something is still on its way.
async function renderOne(root, id) {
	const box = h('div', { id: 'warn-delivery', 'aria-live': 'polite' });
	root.append(h('p', {}, h('a', { href: '/admin/warn' }, t('← 新的预警', '← A new warning'))),
		h('h1', {}, t(`预警 ${id} 送达情况`, `Warning ${id}: delivery`)), h('section', { class: 'panel' }, box));
	for (;;) {
		const b = await api('GET', `/broadcasts/${encodeURIComponent(id)}?limit=100`);
		const c = b.counts;
		const waiting = c.pending + c.sending + c.awaiting_report;
		box.replaceChildren(
			h('p', { class: 'figures' },
				h('span', { class: 'figure' }, h('b', { id: 'warn-delivered' }, c.delivered), t('已送达', 'delivered')),
				h('span', { class: 'figure' }, h('b', { id: 'warn-waiting' }, waiting), t('等待', 'waiting')),
				h('span', { class: 'figure' + (c.failed ? ' bad' : '') }, h('b', { id: 'warn-failed' }, c.failed), t('失败', 'failed'))),
			h('div', { class: 'scroll' }, table([
				{ zh: '群或号码', en: 'Group or number', get: (g) => g.name },
				{ zh: '渠道', en: 'Channel', get: (g) => g.channel },
				{ zh: '状态', en: 'State', get: (g) => h('span', { class: 'state state-' + g.state }, t(...(STATES[g.state] || [g.state, g.state]))) },
				{ zh: '尝试', en: 'Tries', get: (g) => g.attempts },
				{ zh: '平台返回', en: 'Platform said', get: (g) => g.error || '' },
			], b.groups)),
			waiting ? h('p', { class: 'hint' }, t('每 2 秒刷新…', 'Refreshing every 2 s…')) : h('p', { class: 'hint', id: 'warn-done' }, t('已全部处理完毕。', 'All handled.')));
		if (!waiting || !root.isConnected) return;
		await new Promise((r) => setTimeout(r, POLL_MS));
		if (!root.isConnected) return;
	}
}

export default {
	id: 'warn', zh: '预警', en: 'Warnings',
	async render(root, params) {
		if (params[0]) await renderOne(root, params[0]);
		else renderCompose(root);
	},
};
