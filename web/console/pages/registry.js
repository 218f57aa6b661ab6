// 企业名录 the risk-enterprise registry: a check as the chat's 查询 makes it
// (a code with its check digit, else a name or fragment), and a CSV import
// with its row errors.
import { h, t, api, notice, table, getSession } from '../lib.js';
import { rank } from '../app.js';
import { measure, readFile, importResult } from './notices.js';

function results(r) {
	const parts = [];
	if (r.code_error === 'bad_check')
		parts.push(notice('error', t(`校验位不对（应为 ${r.expected_check}），仍按此代码查询。`, `The check digit is wrong (expected ${r.expected_check}); looked up anyway.`)));
	else if (r.code_error === 'bad_char')
		parts.push(notice('error', t('代码中有不允许的字符，仍按此代码查询。', 'The code has a character codes never use; looked up anyway.')));
	if (!r.items.length)
		parts.push(notice('ok', t('名录中未找到。未列入名单不等于安全，请谨慎。', 'Not found in the registry. Not being listed does not make a company safe.')));
	else
		parts.push(table([
			{ zh: '企业名称', en: 'Company', get: (m) => m.name },
			{ zh: '统一社会信用代码', en: 'USCC', get: (m) => m.uscc || '—' },
			{ zh: '警示', en: 'Flagged', get: (m) => m.flagged ? h('span', { class: 'flag' }, t(`第 ${m.issue} 期 · ${measure(m.measure)}`, `issue ${m.issue} · ${measure(m.measure)}`)) : t('未列入通告', 'not on a notice') },
		], r.items));
	if (r.total > r.items.length)
		parts.push(h('p', {}, t(`另有 ${r.total - r.items.length}${r.capped ? '+' : ''} 家匹配，请输入更完整的名称。`, `${r.total - r.items.length}${r.capped ? '+' : ''} more match; type more of the name.`)));
	return parts;
}

export default {
	id: 'registry', zh: '企业名录', en: 'Registry',
	async render(root, params, query) {
		const q = h('input', { type: 'search', id: 'registry-q', maxlength: 100, placeholder: t('公司名称或统一社会信用代码', 'Company name or USCC'), value: query.get('q') || '' });
		const out = h('div', { id: 'registry-results' });
		const search = h('form', { class: 'card form', id: 'registry-search' }, h('h2', {}, t('查询', 'Check')), h('label', {}, t('名称或代码', 'Name or code'), q),
			h('button', { type: 'submit', class: 'primary' }, t('查询', 'Check')), out);
		search.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			try { out.replaceChildren(...results(await api('GET', '/enterprises?q=' + encodeURIComponent(q.value.trim())))); } catch (e) { out.replaceChildren(notice('error', e.message)); }
		});
		root.append(h('h1', {}, t('企业名录', 'Risk-enterprise registry')), search);
		if (rank(getSession().role) >= rank('office')) {
			const file = h('input', { type: 'file', accept: '.csv,text/csv', required: true, id: 'registry-file' });
			const res = h('div', {});
			const imp = h('form', { class: 'card form', id: 'registry-import' }, h('h2', {}, t('导入名录（CSV）', 'Import (CSV)')),
				h('p', { class: 'hint' }, t('列：统一社会信用代码,企业名称,地址,所属区域,风险等级[,通告期号,通告日期,处置措施]', 'Columns: uscc,name,address,area,risk[,issue,date,measure]')),
				h('label', {}, t('文件', 'File'), file), h('button', { type: 'submit' }, t('导入', 'Import')), res);
			imp.addEventListener('submit', async (ev) => {
				ev.preventDefault();
				try { res.replaceChildren(importResult(await api('POST', '/enterprises/import', await readFile(file.files[0]), { type: 'text/csv; charset=utf-8' }))); } catch (e) { res.replaceChildren(notice('error', e.message)); }
			});
			root.append(imp);
		}
		if (q.value) search.requestSubmit();
	},
};
