// 线索台账 the tips ledger: a filtered list, one tip with its history and
// the moves its state allows, the export, and the two-person request to
// see who reported a tip (the identity itself is only ever shown in the
// requester's private chat).
import { h, t, api, notice, table, fmtTime, getSession } from '../lib.js';
import { go, rank } from '../app.js';

const STATES = [
	['received', '待分派', 'Received'], ['assigned', '已分派', 'Assigned'],
	['verifying', '核查中', 'Verifying'], ['rejected', '不属实', 'Rejected'],
	['confirmed', '属实待处置', 'Confirmed'], ['disposing', '处置中', 'Disposing'],
	['closed', '已销号', 'Closed'],
];
const MEASURES = [
	['admonished', '约谈', 'Admonished'], ['warned', '警示', 'Warned'],
	['penalty', '行政处罚', 'Penalty'], ['criminal', '刑事立案', 'Criminal case'],
	['deregistered', '注吊销', 'Deregistered'], ['shut', '关门', 'Shut down'],
];
// The moves from each state and the least role for them, as
// storage/ledger.c's tip_move_check() has them (the server decides; a
// button here only saves a refused click).
const MOVES = {
	received: [['assign', 2]],
	assigned: [['assign', 2], ['verify', 1], ['confirm', 1], ['reject', 1], ['return', 1]],
	verifying: [['confirm', 1], ['reject', 1], ['return', 2]],
	rejected: [['close', 4], ['return', 2]],
	confirmed: [['dispose', 2], ['return', 2]],
	disposing: [['dispose', 2], ['close', 4], ['return', 3]],
	closed: [['return', 4]],
};
const MOVE_NAMES = {
	assign: ['分派', 'Assign'], verify: ['开始核查', 'Start checking'], confirm: ['属实', 'Confirm'],
	reject: ['不属实', 'Reject'], dispose: ['处置', 'Dispose'], close: ['销号', 'Close'],
	return: ['退回', 'Return'],
};

function stateName(s) { const r = STATES.find((x) => x[0] === s); return r ? t(r[1], r[2]) : s; }
function options(list, chosen) { return list.map(([v, zh, en]) => h('option', { value: v, selected: v === chosen }, t(zh, en))); }

// The list with its filters; ?state= ?area= ?q= (the text is matched on
// the page, within what the server lists).
async function renderList(root, query) {
	const state = query.get('state') || '', area = query.get('area') || '', q = query.get('q') || '';
	const args = new URLSearchParams({ limit: '100' });
	if (state) args.set('state', state);
	if (area) args.set('area', area);
	const form = h('form', { class: 'form inline', id: 'tips-filter' },
		h('label', {}, t('状态', 'State'), h('select', { name: 'state', id: 'tips-state' },
			h('option', { value: '' }, t('全部', 'All')), options(STATES, state))),
		h('label', {}, t('区域', 'Area'), h('input', { name: 'area', id: 'tips-area', value: area, placeholder: getSession().area })),
		h('label', {}, t('内容', 'Text'), h('input', { name: 'q', id: 'tips-q', value: q, type: 'search' })),
		h('button', { type: 'submit' }, t('筛选', 'Filter')));
	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		const p = new URLSearchParams();
		for (const [k, v] of new FormData(form)) if (v) p.set(k, v);
		go('/admin/tips' + (p.toString() ? '?' + p : ''));
	});
	const exp = new URLSearchParams({ format: 'csv' });
	if (state) exp.set('state', state);
	if (area) exp.set('area', area);
	root.append(h('h1', {}, t('线索台账', 'Tips ledger')), form);
	if (rank(getSession().role) >= rank('grid_chief'))
		root.append(h('p', {}, h('a', { href: '/api/v1/ledger/export?' + exp, download: 'ledger.csv', id: 'tips-export', class: 'button-link' },
			t('导出台账 CSV', 'Export the ledger (CSV)'))));
	await renderReveals(root);
	const list = await api('GET', '/tips?' + args);
	const items = q ? list.items.filter((x) => x.text.includes(q) || x.ref.includes(q)) : list.items;
	const tbl = table([
		{ zh: '编号', en: 'Ref', get: (x) => h('a', { href: '/admin/tips/' + encodeURIComponent(x.ref), class: 'tip-link' }, x.ref) },
		{ zh: '状态', en: 'State', get: (x) => h('span', { class: 'state state-' + x.state }, stateName(x.state)) },
		{ zh: '区域', en: 'Area', get: (x) => x.area || t('区域不明', 'unknown') },
		{ zh: '内容', en: 'Text', get: (x) => x.text.length > 60 ? x.text.slice(0, 60) + '…' : x.text },
		{ zh: '收到', en: 'Received', get: (x) => fmtTime(x.created_at) },
		{ zh: '期限', en: 'Due', get: (x) => h('span', { class: x.due_at && x.due_at * 1000 < Date.now() ? 'short' : null }, fmtTime(x.due_at)) },
	], items);
	tbl.id = 'tips-table';
	root.append(items.length ? h('div', { class: 'scroll' }, tbl) :
		h('p', { class: 'hint', id: 'tips-none' }, t('没有符合条件的线索。', 'No tips match.')));
}

// A custodian's pending requests to see a reporter, with 批准 / 拒绝.
async function renderReveals(root) {
	let r;
	try { r = await api('GET', '/reveals'); } catch (e) { return; }
	if (!r.custodian) return;
	const box = h('section', { class: 'panel', id: 'reveals' }, h('h2', {}, t('待审批：查看举报人', 'Pending: requests to see a reporter')));
	if (!r.items.length) box.append(h('p', { class: 'hint' }, t('没有待审批的申请。', 'No pending requests.')));
	else box.append(h('div', { class: 'scroll' }, table([
		{ zh: '申请号', en: 'Request', get: (x) => x.id },
		{ zh: '线索', en: 'Tip', get: (x) => h('a', { href: '/admin/tips/' + encodeURIComponent(x.ref) }, x.ref) },
		{ zh: '申请人', en: 'By', get: (x) => x.requested_by_name },
		{ zh: '理由', en: 'Reason', get: (x) => x.reason },
		{ zh: '时间', en: 'At', get: (x) => fmtTime(x.requested_at) },
		{ zh: '', en: '', get: (x) => x.own ? t('本人申请，须由他人审批', 'your own: another custodian decides') :
			h('span', { class: 'actions' },
				h('button', { type: 'button', class: 'approve', onclick: () => decide(box, x.id, 'approve') }, t('批准', 'Approve')),
				h('button', { type: 'button', class: 'secondary', onclick: () => decide(box, x.id, 'refuse') }, t('拒绝', 'Refuse'))) },
	], r.items)));
	root.append(box);
}

async function decide(box, id, what) {
	try {
		await api('POST', `/reveals/${id}/${what}`, {});
		go(location.pathname + location.search);
	} catch (e) { box.append(notice('error', e.message)); }
}

// The form of one move: a note always, a measure for 处置, staff for 分派.
function moveForm(tip, move, staff, done) {
	const [zh, en] = MOVE_NAMES[move];
	const fields = [];
	if (move === 'assign')
		fields.push(h('label', {}, t('分派给', 'Assign to'), h('select', { name: 'assignee', required: true },
			staff.map((s) => h('option', { value: s.id }, `${s.name}（${s.area.split('/').pop()}）`)))));
	if (move === 'dispose') {
		fields.push(h('label', {}, t('处置措施', 'Measure'), h('select', { name: 'measure', required: true }, options(MEASURES, tip.measure))));
		fields.push(h('label', {}, t('企业统一社会信用代码（可选）', 'Company USCC (optional)'), h('input', { name: 'enterprise', maxlength: 18 })));
	}
	fields.push(h('label', {}, move === 'return' ? t('退回理由（必填）', 'Reason (required)') : t('备注', 'Note'),
		h('textarea', { name: 'note', rows: 2, maxlength: 1000, required: move === 'return' })));
	const form = h('form', { class: 'form move', id: 'move-' + move, dataset: { move } }, fields,
		h('button', { type: 'submit' }, t(zh, en)));
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const fd = new FormData(form);
		const body = { move };
		if (fd.get('note')) body.note = fd.get('note');
		if (move === 'assign') body.assignees = [Number(fd.get('assignee'))];
		if (move === 'dispose') { body.measure = fd.get('measure'); if (fd.get('enterprise')) body.enterprise = fd.get('enterprise'); }
		try { await api('POST', `/tips/${encodeURIComponent(tip.ref)}/moves`, body); done(); } catch (e) {
			form.append(notice('error', e.message));
		}
	});
	return form;
}

// Asking to see the reporter: office and up, with a reason.
function revealForm(tip) {
	const form = h('form', { class: 'form', id: 'reveal-form' },
		h('label', {}, t('理由（必填，记入审计）', 'Reason (required, audited)'), h('input', { name: 'reason', required: true, maxlength: 200 })),
		h('button', { type: 'submit', class: 'secondary' }, t('申请查看举报人', 'Ask to see the reporter')));
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		try {
			const r = await api('POST', `/tips/${encodeURIComponent(tip.ref)}/reveal`, { reason: new FormData(form).get('reason') });
			form.replaceChildren(notice('ok', t(`已提交申请 ${r.id}，等待另一位保管人审批。批准后请在与本系统的私聊中发送「举报人 ${r.id}」查看，仅可查看一次。`,
				`Request ${r.id} filed; another custodian decides. Once approved, send “举报人 ${r.id}” in your private chat with fangfei to see it, once.`)));
		} catch (e) { form.append(notice('error', e.message)); }
	});
	return h('section', { class: 'panel', id: 'reveal' }, h('h2', {}, t('查看举报人', 'See the reporter')),
		h('p', { class: 'hint' }, t('须经保管人批准；身份只在私聊中显示一次，工作台不显示。', 'A custodian must approve; the identity is shown once in a private chat, never in the console.')),
		form);
}

async function renderOne(root, ref) {
	const tip = await api('GET', '/tips/' + encodeURIComponent(ref));
	const ev = await api('GET', `/tips/${encodeURIComponent(ref)}/events`);
	const me = getSession();
	const moves = (MOVES[tip.state] || []).filter(([, least]) => rank(me.role) >= least).map(([m]) => m);
	let staff = [];
	if (moves.includes('assign')) staff = (await api('GET', '/staff?limit=100')).items.filter((s) => s.active);
	const reload = () => go('/admin/tips/' + encodeURIComponent(tip.ref));
	root.append(
		h('p', {}, h('a', { href: '/admin/tips' }, t('← 返回台账', '← Back to the ledger'))),
		h('h1', {}, t(`线索 ${tip.ref}`, `Tip ${tip.ref}`)),
		h('section', { class: 'panel', id: 'tip-detail', dataset: { state: tip.state } },
			h('dl', { class: 'facts' },
				h('dt', {}, t('状态', 'State')), h('dd', { id: 'tip-state' }, stateName(tip.state)),
				h('dt', {}, t('区域', 'Area')), h('dd', {}, tip.area || t('区域不明', 'unknown')),
				h('dt', {}, t('收到', 'Received')), h('dd', {}, fmtTime(tip.created_at)),
				tip.due_at ? [h('dt', {}, t('期限', 'Due')), h('dd', {}, fmtTime(tip.due_at))] : null,
				h('dt', {}, t('经办人', 'Assignees')), h('dd', {}, tip.assignees.map((p) => p.name).join('、') || '—'),
				tip.enterprise ? [h('dt', {}, t('企业', 'Company')), h('dd', {}, tip.enterprise.name)] : null,
				tip.measure ? [h('dt', {}, t('处置措施', 'Measure')), h('dd', {}, t(tip.measure_zh, tip.measure))] : null,
				h('dt', {}, t('匿名', 'Anonymous')), h('dd', {}, tip.anonymous ? t('是', 'yes') : t('否', 'no'))),
			h('p', { class: 'tip-text' }, tip.text)),
		moves.length ? h('section', { class: 'panel', id: 'tip-moves' }, h('h2', {}, t('办理', 'Moves')),
			h('div', { class: 'moves' }, moves.map((m) => moveForm(tip, m, staff, reload)))) : null,
		h('section', { class: 'panel', id: 'tip-events' }, h('h2', {}, t('办理记录', 'History')),
			h('div', { class: 'scroll' }, table([
				{ zh: '时间', en: 'At', get: (e) => fmtTime(e.at) },
				{ zh: '事项', en: 'What', get: (e) => e.kind },
				{ zh: '状态', en: 'State', get: (e) => e.state ? stateName(e.state) : '' },
				{ zh: '经办', en: 'By', get: (e) => e.actor },
				{ zh: '备注', en: 'Note', get: (e) => e.note || '' },
			], ev.items))),
		rank(me.role) >= rank('office') ? revealForm(tip) : null);
}

export default {
	id: 'tips', zh: '线索', en: 'Tips',
	async render(root, params, query) {
		if (params[0]) await renderOne(root, params[0]);
		else await renderList(root, query);
	},
};
