// The chat simulator at /try as a visitor lives it: in the demo (open =
// loopback) a conversation as a resident (查询 a demo company, 举报, 帮助)
// and as a practice grid worker (预警, previewed and never sent), with no
// error in the page's console (its strict CSP holds); not open, the page
// asks for a sign-in and works once a staff member is signed in.

import assert from 'node:assert/strict';
import { newPage, screenshot, signIn, startDaemon, test } from './harness.mjs';

const TRY = '[channel.try]\ntype = web\narea = 华光路社区\n';

// Types text, sends it, and waits for the answer's bubble; its text.
async function say(page, text) {
	const before = await page.$$eval('#log .msg.bot, #log .msg.err, #log .msg.sys',
		(l) => l.length);
	await page.type('#text', text);
	await page.click('#send');
	await page.waitForFunction((n) => document.querySelectorAll(
		'#log .msg.bot, #log .msg.err, #log .msg.sys').length > n, {}, before);
	return page.$$eval('#log .msg .bubble', (l) => l[l.length - 1].textContent);
}

// Waits until the page may send (its session fetched).
async function ready(page) {
	await page.waitForFunction(() => !document.querySelector('#text').disabled);
}

test('try_conversation', async ({ browser }) => {
	const d = await startDaemon({ extra: TRY + 'open = loopback\n' });
	const page = await newPage(browser);
	const errors = [];
	page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
	page.on('pageerror', (e) => errors.push(String(e)));
	const r = await page.goto(d.base + '/try');
	assert.equal(r.status(), 200);
	assert.match(r.headers()['content-security-policy'], /script-src 'self'/);
	await ready(page);
	assert.equal((await page.cookies()).some((c) => c.name === 'ff_try' && c.httpOnly), true);

	assert.match(await say(page, '查询 鑫源'), /示例·淄博鑫源财富/);
	assert.match(await say(page, '举报 小区门口有人推销保本高息理财'), /JB-\d{8}-/);
	assert.match(await say(page, '帮助'), /举报/);
	await screenshot(page, 'try-resident');

	await page.click('#personas button[data-persona="worker"]');
	assert.equal(await page.$$eval('#log .msg.me', (l) => l.length), 0);
	const w = await say(page, '预警 华光路社区 警惕“保本高息”理财');
	assert.match(w, /练习：未发送 practice: not sent/);
	assert.match(w, /警惕“保本高息”理财/);
	await screenshot(page, 'try-worker');

	// The resident's chat is still there.
	await page.click('#personas button[data-persona="private"]');
	assert.equal(await page.$$eval('#log .msg.me', (l) => l.length), 3);
	assert.deepEqual(errors, []);
});

test('try_needs_sign_in_when_not_open', async ({ browser }) => {
	const d = await startDaemon({ extra: TRY });
	const page = await newPage(browser);
	await page.goto(d.base + '/try');
	await page.waitForSelector('#log .msg.err');
	assert.match(await page.$eval('#log .msg.err', (e) => e.textContent), /请先登录/);
	assert.equal(await page.$eval('#text', (e) => e.disabled), true);
	await screenshot(page, 'try-refused');

	const staff = await signIn(browser, d, d.addStaff('刘网格', 'grid_worker', '华光路社区'));
	await staff.goto(d.base + '/try');
	await ready(staff);
	assert.match(await say(staff, '帮助'), /举报/);
});
