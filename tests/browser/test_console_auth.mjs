// The console's sign-in as a browser lives it: a one-time link opens the
// console once and within ten minutes; a grid worker's session stays in
// their area; changes need the session's CSRF token, and another site's
// form does not even carry the cookie (SameSite=Strict); signing out ends
// the session for good.

import assert from 'node:assert/strict';
import {
	fakeRobot, newPage, pageFetch, screenshot, serve, signIn, startDaemon, test,
} from './harness.mjs';

// The daemon with its office head and one grid worker.
async function office() {
	const d = await startDaemon();
	return {
		d,
		head: d.addStaff('李主任', 'office', '张店区'),
		worker: d.addStaff('刘网格', 'grid_worker', '华光路社区'),
	};
}

// Presses 登录 on a link's page; the navigation's response.
async function pressSignIn(page) {
	const [r] = await Promise.all([page.waitForNavigation(), page.click('#signin')]);
	return r;
}

test('console_auth_link_signs_in_once', async ({ browser }) => {
	const { d, head } = await office();
	const link = d.loginLink(head);
	const page = await newPage(browser);
	const first = await page.goto(d.base + link);
	assert.equal(first.status(), 200);
	assert.match(await page.$eval('body', (b) => b.innerText), /只能使用一次/);
	await screenshot(page, 'console-signin');
	await pressSignIn(page);
	await page.waitForSelector('nav.menu .who');
	assert.equal(new URL(page.url()).pathname.startsWith('/admin'), true);
	assert.match(await page.$eval('nav.menu .who', (e) => e.textContent), /李主任/);
	await screenshot(page, 'console-home');

	// The same link in another browser: refused, and no cookie for it.
	const again = await newPage(browser);
	await again.goto(d.base + link);
	const r = await pressSignIn(again);
	assert.equal(r.status(), 403);
	assert.match(await again.$eval('body', (b) => b.innerText), /已使用或已过期/);
	assert.equal((await again.cookies()).some((c) => c.name === 'ff_session'), false);
	await screenshot(again, 'console-signin-used');
});

test('console_auth_expired_link_refused', async ({ browser }) => {
	const { d, head } = await office();
	const then = new Date(Date.now() - 11 * 60 * 1000).toISOString()
		.replace(/\.\d+Z$/, 'Z');
	const link = d.loginLink(head, { env: { FANGFEI_NOW: then } });
	const page = await newPage(browser);
	await page.goto(d.base + link);
	const r = await pressSignIn(page);
	assert.equal(r.status(), 403);
	assert.equal((await page.cookies()).some((c) => c.name === 'ff_session'), false);
});

test('console_auth_worker_stays_in_area', async ({ browser }) => {
	const { d, head, worker } = await office();
	const robot = await fakeRobot();
	// The office adds a robot group in another street.
	const boss = await signIn(browser, d, head);
	const made = await pageFetch(boss, 'POST', '/api/v1/groups', {
		csrf: true,
		body: { name: '科苑1号楼', kind: 'building', robot: 'dingtalk',
			area: '科苑街道', webhook: robot.url },
	});
	assert.equal(made.status, 201, JSON.stringify(made.body));

	const page = await signIn(browser, d, worker);
	const me = await pageFetch(page, 'GET', '/api/v1/session');
	assert.equal(me.body.role, 'grid_worker');
	const tips = await pageFetch(page, 'GET',
		'/api/v1/tips?area=' + encodeURIComponent('科苑街道'));
	assert.ok([403, 404].includes(tips.status), `tips: ${tips.status}`);
	const own = await pageFetch(page, 'GET', '/api/v1/tips');
	assert.equal(own.status, 200);
	const groups = await pageFetch(page, 'GET', '/api/v1/groups');
	assert.equal(groups.status, 200);
	assert.equal(JSON.stringify(groups.body).includes('科苑1号楼'), false);
	const add = await pageFetch(page, 'POST', '/api/v1/groups', {
		csrf: true,
		body: { name: '科苑2号楼', kind: 'building', robot: 'dingtalk',
			area: '科苑街道', webhook: robot.url },
	});
	assert.ok([403, 404].includes(add.status), `groups: ${add.status}`);
	const audit = await pageFetch(page, 'GET', '/api/v1/audit');
	assert.equal(audit.status, 403);
});

test('console_auth_csrf_refused', async ({ browser }) => {
	const { d, head } = await office();
	const page = await signIn(browser, d, head);
	const staff = { name: '王新', role: 'grid_worker', area: '华光路社区' };

	// From the console's own page, without the token.
	const bare = await pageFetch(page, 'POST', '/api/v1/staff', { body: staff });
	assert.equal(bare.status, 403);
	assert.equal(bare.body.error, 'csrf');

	// Another site's page (evil.test resolves to 127.0.0.1) posting a form
	// to the daemon in the same browser: the Strict cookie stays home, so
	// the daemon sees nobody at all.
	const evil = await serve((req, res) => {
		res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
		res.end(`<!doctype html><title>prize</title>
<form id="f" method="post" action="${d.base}/api/v1/staff">
<input name="name" value="王新"><input name="role" value="office">
<input name="area" value="张店区"><button id="go">领奖</button></form>`);
	});
	const lure = await page.browserContext().newPage();
	await lure.goto(`http://evil.test:${evil.port}/`);
	const [r] = await Promise.all([lure.waitForNavigation(), lure.click('#go')]);
	assert.equal(r.status(), 401);

	// Neither made anyone; the session itself is still fine.
	assert.equal(d.cli('staff', 'list').includes('王新'), false);
	const me = await pageFetch(page, 'GET', '/api/v1/session');
	assert.equal(me.status, 200);
	const ok = await pageFetch(page, 'POST', '/api/v1/staff', { csrf: true, body: staff });
	assert.equal(ok.status, 201);
});

test('console_auth_sign_out_ends_session', async ({ browser }) => {
	const { d, head } = await office();
	const page = await signIn(browser, d, head);
	const cookie = (await page.cookies()).find((c) => c.name === 'ff_session');
	assert.ok(cookie && cookie.httpOnly && cookie.sameSite === 'Strict');
	await Promise.all([page.waitForNavigation(), page.click('form.logout button')]);
	const after = await pageFetch(page, 'GET', '/api/v1/session');
	assert.equal(after.status, 401);
	// The old cookie put back opens nothing.
	await page.setCookie({ ...cookie });
	const replay = await pageFetch(page, 'GET', '/api/v1/session');
	assert.equal(replay.status, 401);
	await page.goto(d.base + '/admin');
	await page.waitForSelector('section.signin');
	await screenshot(page, 'console-signed-out');
});
