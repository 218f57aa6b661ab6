// API 令牌 the API tokens of the caller's area: label, role, dates; the
// token's text is shown only once, when `fangfei token create` makes it.
import { h, t, api, table, fmtTime } from '../lib.js';
import { roleName } from './staff.js';

export default {
	id: 'tokens', zh: 'API 令牌', en: 'API tokens', minRole: 'office',
	async render(root) {
		const r = await api('GET', '/tokens?limit=100');
		root.append(h('h1', {}, t('API 令牌', 'API tokens')),
			h('p', { class: 'hint' }, t('新令牌用 fangfei token create 生成，令牌内容只显示一次。', 'Make a token with fangfei token create; its text is shown once.')),
			h('section', { class: 'card scroll' }, table([
				{ zh: '编号', en: 'No.', get: (k) => String(k.id) },
				{ zh: '标签', en: 'Label', get: (k) => k.label },
				{ zh: '角色', en: 'Role', get: (k) => roleName(k.role) },
				{ zh: '区域', en: 'Area', get: (k) => k.area },
				{ zh: '创建', en: 'Created', get: (k) => fmtTime(k.created_at) },
				{ zh: '到期', en: 'Expires', get: (k) => k.expires_at ? fmtTime(k.expires_at) : t('不到期', 'never') },
				{ zh: '状态', en: 'State', get: (k) => k.revoked_at ? t('已吊销 ', 'revoked ') + fmtTime(k.revoked_at) : t('有效', 'live') },
			], r.items)));
	},
};
