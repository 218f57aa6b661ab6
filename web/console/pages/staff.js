// 工作人员 staff of the caller's area; the office adds staff and is shown
// the new member's one-time bind code, and disables (停用) or enables a
// member of its subtree below or at its own role — never itself.
import { h, t, api, notice, table, getSession } from '../lib.js';
import { rank } from '../app.js';

export const ROLES = { grid_worker: ['网格员', 'grid worker'], grid_chief: ['网格长', 'grid chief'], liaison: ['联络员', 'liaison'], office: ['处非办', 'office'], admin: ['管理员', 'admin'] };
export function roleName(r) { return ROLES[r] ? t(...ROLES[r]) : r; }

function addForm(reload) {
	const mine = rank(getSession().role);
	const name = h('input', { type: 'text', required: true, maxlength: 60, id: 'staff-name' });
	const role = h('select', { id: 'staff-role' }, Object.keys(ROLES).filter((r) => rank(r) <= mine).map((r) => h('option', { value: r }, roleName(r))));
	const area = h('input', { type: 'text', required: true, value: getSession().area, id: 'staff-area' });
	const out = h('div', {});
	const form = h('form', { class: 'card form', id: 'staff-add' }, h('h2', {}, t('添加工作人员', 'Add a staff member')),
		h('label', {}, t('姓名', 'Name'), name), h('label', {}, t('角色', 'Role'), role), h('label', {}, t('区域', 'Area'), area),
		h('button', { type: 'submit', class: 'primary' }, t('添加', 'Add')), out);
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		try {
			const r = await api('POST', '/staff', { name: name.value, role: role.value, area: area.value });
			out.replaceChildren(notice('ok', t('已添加。请本人在聊天中发送：', 'Added. They send this in their chat:')),
				h('p', { class: 'bind-code', id: 'bind-code' }, '绑定 ' + r.bind_code),
				h('p', { class: 'hint' }, t('绑定码 24 小时内有效，只能用一次。', 'The code works once, within 24 hours.')));
			await reload();
		} catch (e) { out.replaceChildren(notice('error', e.message)); }
	});
	return form;
}

// The 停用 / 启用 button of one member, or nothing when the caller may not.
function activeButton(s, out, reload) {
	const me = getSession();
	if (rank(me.role) < rank('office') || s.id === me.staff_id || rank(s.role) > rank(me.role)) return '';
	const b = h('button', { type: 'button', class: s.active ? '' : 'secondary' }, s.active ? t('停用', 'Disable') : t('启用', 'Enable'));
	b.addEventListener('click', async () => {
		if (s.active && !window.confirm(t(`停用 ${s.name}？其聊天账号将解绑，会话和日历订阅立即失效。`,
			`Disable ${s.name}? Their chat accounts are unbound; sessions and calendar feed stop at once.`))) return;
		try {
			const r = await api('POST', `/staff/${s.id}/${s.active ? 'disable' : 'enable'}`);
			out.replaceChildren(s.active
				? notice('ok', t(`已停用 ${r.name}：解绑 ${r.identities_unbound} 个账号，结束 ${r.sessions_ended} 个会话，作废 ${r.codes_voided} 个绑定码和 ${r.links_voided} 个登录链接，吊销 ${r.feeds_revoked} 个日历订阅。`,
					`Disabled ${r.name}: ${r.identities_unbound} chat accounts unbound, ${r.sessions_ended} sessions ended, ${r.codes_voided} bind codes and ${r.links_voided} sign-in links voided, ${r.feeds_revoked} calendar feeds revoked.`))
				: notice('ok', t(`已恢复启用 ${r.name}：账号须用新绑定码重新绑定。`, `Enabled ${r.name}: their accounts bind again with a new code.`)));
			await reload();
		} catch (e) { out.replaceChildren(notice('error', e.message)); }
	});
	return b;
}

export default {
	id: 'staff', zh: '工作人员', en: 'Staff',
	async render(root) {
		const list = h('div', { class: 'scroll' });
		const said = h('div', { id: 'staff-said' });
		const reload = async () => {
			const r = await api('GET', '/staff?limit=100');
			list.replaceChildren(table([
				{ zh: '编号', en: 'No.', get: (s) => String(s.id) },
				{ zh: '姓名', en: 'Name', get: (s) => s.name },
				{ zh: '角色', en: 'Role', get: (s) => roleName(s.role) },
				{ zh: '区域', en: 'Area', get: (s) => s.area },
				{ zh: '状态', en: 'State', get: (s) => s.active ? t('在岗', 'active') : t('已停用', 'disabled') },
				{ zh: '', en: '', get: (s) => activeButton(s, said, reload) },
			], r.items));
		};
		root.append(h('h1', {}, t('工作人员', 'Staff')), h('section', { class: 'card' }, said, list));
		if (rank(getSession().role) >= rank('office')) root.append(addForm(reload));
		await reload();
	},
};
