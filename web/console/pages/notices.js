// 警示通告 warning notices: a CSV becomes a draft notice (its row errors
// shown), the draft's enterprises are reviewed, then it is published and
// its companies are flagged in every check.
import { h, t, api, notice, table, fmtTime, getSession } from '../lib.js';
import { rank } from '../app.js';

const MEASURES = {
	admonished: ['约谈', 'admonished'], warned: ['警示', 'warned'], penalty: ['行政处罚', 'penalty'],
	criminal: ['刑事立案', 'criminal case'], deregistered: ['注吊销', 'deregistered'], shut: ['关门', 'shut'],
	listed: ['列入名单', 'listed'],
};
export function measure(m) { const w = MEASURES[m]; return w ? t(w[0], w[1]) : (m || ''); }

// Reads a chosen file as text.
function readFile(file) {
	return new Promise((ok, fail) => {
		const r = new FileReader();
		r.onload = () => ok(String(r.result));
		r.onerror = () => fail(r.error);
		r.readAsText(file, 'utf-8');
	});
}
export { readFile };

// The row errors of an import, as a list.
export function importResult(res) {
	return h('div', { class: 'import-result' },
		notice(res.rejected > 0 ? 'error' : 'ok', t(`读取 ${res.rows} 行，导入 ${res.imported} 行，拒绝 ${res.rejected} 行，提醒 ${res.warnings} 条`,
			`${res.rows} rows read, ${res.imported} imported, ${res.rejected} rejected, ${res.warnings} warnings`)),
		res.errors && res.errors.length ? h('ul', { class: 'row-errors' }, res.errors.map((e) => h('li', {}, e))) : null,
		res.errors_truncated ? h('p', {}, t('仅显示前 200 条。', 'Only the first 200 are shown.')) : null);
}

async function showNotice(box, issue, reload) {
	const n = await api('GET', '/notices/' + issue);
	const office = rank(getSession().role) >= rank('office');
	const out = h('div', {});
	box.replaceChildren(h('section', { class: 'card', id: 'notice-detail' },
		h('h2', {}, t(`第 ${n.issue} 期`, `Issue ${n.issue}`), ' ', n.title),
		h('p', {}, n.date, ' · ', n.published ? t('已发布 ', 'published ') + fmtTime(n.published_at) : t('草稿（查询时尚不提示）', 'draft (not yet flagged in checks)')),
		table([
			{ zh: '企业名称', en: 'Company', get: (e) => e.name },
			{ zh: '统一社会信用代码', en: 'USCC', get: (e) => e.uscc || '—' },
			{ zh: '处置措施', en: 'Measure', get: (e) => measure(e.measure) },
		], n.enterprises),
		!n.published && office ? h('button', { type: 'button', class: 'primary', id: 'publish', onclick: async (ev) => {
			ev.target.disabled = true;
			try {
				await api('POST', `/notices/${n.issue}/publish`, {});
				await reload();
				await showNotice(box, issue, reload);
				box.prepend(notice('ok', t('已发布：这些企业在查询中会被提示。', 'Published: these companies are flagged in checks.')));
			} catch (e) { out.replaceChildren(notice('error', e.message)); ev.target.disabled = false; }
		} }, t('发布本期', 'Publish this issue')) : null,
		out));
}

function uploadForm(onDone) {
	const file = h('input', { type: 'file', accept: '.csv,text/csv', required: true, id: 'notice-file' });
	const issue = h('input', { type: 'number', min: 1, required: true, id: 'notice-issue' });
	const date = h('input', { type: 'date', required: true, id: 'notice-date' });
	const title = h('input', { type: 'text', maxlength: 100, id: 'notice-title' });
	const out = h('div', { class: 'form-out' });
	const form = h('form', { class: 'card form', id: 'notice-upload' },
		h('h2', {}, t('上传通告（CSV）', 'Upload a notice (CSV)')),
		h('p', { class: 'hint' }, t('列：统一社会信用代码,企业名称,处置措施（或 uscc,name,measure）。上传后为草稿，核对后再发布。',
			'Columns: uscc,name,measure (or 统一社会信用代码,企业名称,处置措施). It becomes a draft; review it, then publish.')),
		h('label', {}, t('期号', 'Issue'), issue),
		h('label', {}, t('日期', 'Date'), date),
		h('label', {}, t('标题（可选）', 'Title (optional)'), title),
		h('label', {}, t('文件', 'File'), file),
		h('button', { type: 'submit', class: 'primary' }, t('生成草稿', 'Make the draft')),
		out);
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		out.replaceChildren();
		try {
			const text = await readFile(file.files[0]);
			const q = new URLSearchParams({ issue: issue.value, date: date.value });
			if (title.value) q.set('title', title.value);
			const res = await api('POST', '/notices?' + q, text, { type: 'text/csv; charset=utf-8' });
			out.replaceChildren(importResult(res));
			await onDone(issue.value);
		} catch (e) { out.replaceChildren(notice('error', e.message)); }
	});
	return form;
}

export default {
	id: 'notices', zh: '警示通告', en: 'Notices',
	async render(root) {
		const list = h('div', { id: 'notice-list' });
		const detail = h('div', {});
		const reload = async () => {
			const r = await api('GET', '/notices?limit=100');
			list.replaceChildren(r.items.length ? table([
				{ zh: '期号', en: 'Issue', get: (n) => h('a', { href: '#', class: 'open-notice', dataset: { issue: n.issue }, onclick: (ev) => { ev.preventDefault(); showNotice(detail, n.issue, reload).catch((e) => detail.replaceChildren(notice('error', e.message))); } }, String(n.issue)) },
				{ zh: '标题', en: 'Title', get: (n) => n.title },
				{ zh: '日期', en: 'Date', get: (n) => n.date },
				{ zh: '企业数', en: 'Companies', get: (n) => String(n.enterprises) },
				{ zh: '状态', en: 'State', get: (n) => n.published ? t('已发布', 'published') : t('草稿', 'draft') },
			], r.items) : h('p', {}, t('还没有通告。', 'No notices yet.')));
		};
		root.append(h('h1', {}, t('警示通告', 'Warning notices')));
		if (rank(getSession().role) >= rank('office'))
			root.append(uploadForm(async (issue) => { await reload(); await showNotice(detail, issue, reload); }));
		root.append(h('section', { class: 'card' }, h('h2', {}, t('各期通告', 'All issues')), h('div', { class: 'scroll' }, list)), detail);
		await reload();
	},
};
