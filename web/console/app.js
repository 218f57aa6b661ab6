// The console: one page, a menu of sections; each section is a module of
// pages/ exporting { id, zh, en, minRole, render(root, params) }.
import { h, t, api, getLang, setLang, setSession, getSession, notice, ApiError } from './lib.js';
import overview from './pages/overview.js';
import tips from './pages/tips.js';
import warn from './pages/warn.js';
import notices from './pages/notices.js';
import registry from './pages/registry.js';
import letters from './pages/letters.js';
import reminders from './pages/reminders.js';
import patrols from './pages/patrols.js';
import groups from './pages/groups.js';
import staff from './pages/staff.js';
import tokens from './pages/tokens.js';
import audit from './pages/audit.js';

// Sections in menu order. Each helper file adds its own line.
const PAGES = [
	overview,
	tips,
	warn,
	notices,
	registry,
	letters,
	reminders,
	patrols,
	groups,
	staff,
	tokens,
	audit,
];

const RANK = { grid_worker: 1, grid_chief: 2, liaison: 3, office: 4, admin: 5 };
export function rank(role) { return RANK[role] || 0; }

function signedOut(root, why) {
	root.replaceChildren(h('section', { class: 'card signin' },
		h('h1', {}, t('防非工作台', 'fangfei console')),
		why ? notice('error', why) : null,
		h('p', {}, t('请在已绑定的聊天中发送「登录」，或请处非办运行 fangfei staff login-link --id N，用收到的一次性链接登录。',
			'Send /login (登录) in your bound chat, or ask the office to run fangfei staff login-link --id N, and open the one-time link.'))));
}

function nav(current) {
	const s = getSession();
	return h('nav', { class: 'menu' },
		h('span', { class: 'brand' }, t('防非工作台', 'fangfei')),
		PAGES.filter((p) => rank(s.role) >= rank(p.minRole || 'grid_worker')).map((p) =>
			h('a', { href: '/admin/' + p.id, class: p.id === current ? 'active' : null, 'data-page': p.id }, t(p.zh, p.en))),
		h('span', { class: 'who' }, `${s.name || ''} · ${s.area}`),
		h('button', { type: 'button', class: 'lang', onclick: () => { setLang(getLang() === 'en' ? 'zh' : 'en'); route(); } },
			getLang() === 'en' ? '中文' : 'English'),
		h('form', { method: 'post', action: '/admin/logout', class: 'logout' },
			h('input', { type: 'hidden', name: 'csrf', value: s.csrf }),
			h('button', { type: 'submit' }, t('退出', 'Sign out'))));
}

export async function route() {
	const root = document.getElementById('app');
	document.documentElement.lang = getLang() === 'en' ? 'en' : 'zh-CN';
	if (!getSession()) {
		try { setSession(await api('GET', '/session')); } catch (e) {
			signedOut(root, e instanceof ApiError && e.status === 401 ? null : e.message);
			return;
		}
	}
	const parts = location.pathname.replace(/^\/admin\/?/, '').split('/').filter(Boolean);
	const page = PAGES.find((p) => p.id === parts[0]) || PAGES[0];
	const body = h('div', { class: 'page', id: 'page-' + page.id });
	root.replaceChildren(nav(page.id), body);
	document.title = t(page.zh, page.en) + ' · ' + t('防非工作台', 'fangfei console');
	try { await page.render(body, parts.slice(1), new URLSearchParams(location.search)); } catch (e) {
		if (e instanceof ApiError && e.status === 401) { setSession(null); signedOut(root, t('会话已结束，请重新登录。', 'The session ended; sign in again.')); return; }
		body.append(notice('error', e.message));
	}
}

// go('/admin/tips/12'): in-page navigation.
export function go(path) { history.pushState(null, '', path); route(); }

document.addEventListener('click', (ev) => {
	const a = ev.target.closest && ev.target.closest('a[href^="/admin/"]');
	if (!a || a.target || ev.ctrlKey || ev.metaKey || ev.shiftKey) return;
	ev.preventDefault();
	go(a.getAttribute('href'));
});
window.addEventListener('popstate', route);
route();
